"""The transcript PDF (reportlab), drawn from the snapshot it states.

Text is real text in an embedded TrueType font (extractable, searchable); long employer and
project names wrap inside their cells. Every page carries the verification code, the
verification address and a QR code for it; the QR is encoded once per document and drawn
on each page as one form XObject.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Paragraph,
    SimpleDocTemplate,
)

from careercenter.transcripts import official
from careercenter.transcripts.models import format_code

#: Searched in order when CAREERCENTER_TRANSCRIPT_FONT is not set (Debian fonts-dejavu-core
#: first; scripts/install-system-deps.sh installs it).
FONT_CANDIDATES: list[tuple[str, str]] = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
]
REGULAR, BOLD = "TranscriptSans", "TranscriptSans-Bold"
PAGE_SIZES = {"letter": LETTER, "a4": A4}
QR_SIZE = 24 * mm
FOOTER_HEIGHT = QR_SIZE + 10 * mm
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#4a4a4a")
LINE = colors.HexColor("#9a9a9a")

_font_lock = threading.Lock()
_registered: dict[str, tuple[str, str]] = {}


class SetupError(Exception):
    """The configuration cannot make a transcript; the message says what to change."""


class FontUnavailable(SetupError):
    """No TrueType font to embed; the message says what to install or configure."""


class LogoUnavailable(SetupError):
    """CAREERCENTER_TRANSCRIPT_LOGO (or CAREERCENTER_LOGO) is not a readable PNG, JPEG or SVG."""


def register_fonts(regular: str | None = None, bold: str | None = None) -> None:
    """Register the embedded fonts once per process (reportlab keeps them globally)."""
    if regular:
        pairs = [(regular, bold or regular)]
    else:
        pairs = FONT_CANDIDATES
    for reg_path, bold_path in pairs:
        if not Path(reg_path).is_file():
            continue
        wanted = (reg_path, bold_path if Path(bold_path).is_file() else reg_path)
        with _font_lock:
            if _registered.get(REGULAR) == wanted:
                return
            try:
                pdfmetrics.registerFont(TTFont(REGULAR, wanted[0]))
                pdfmetrics.registerFont(TTFont(BOLD, wanted[1]))
            except TTFError as exc:
                raise FontUnavailable(f"cannot use the font {wanted[0]}: {exc}") from None
            _registered[REGULAR] = wanted
        return
    if regular:
        raise FontUnavailable(f"CAREERCENTER_TRANSCRIPT_FONT {regular} does not exist")
    raise FontUnavailable(
        "no TrueType font for transcripts: install Debian fonts-dejavu-core "
        "(scripts/install-system-deps.sh --runtime) or set CAREERCENTER_TRANSCRIPT_FONT to a .ttf file"
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=MUTED),
        "institution": ParagraphStyle("institution", parent=base, fontName=BOLD, fontSize=16, leading=20),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=13, leading=17, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=10.5, leading=13.5, spaceAfter=2),
        "label": ParagraphStyle("label", parent=base, fontName=BOLD),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _draw_qr(canvas: Canvas, matrix: Sequence[Sequence[bool]], size: float) -> None:
    """Draw the modules as one filled path, merging each row's runs of dark modules."""
    n = len(matrix)
    module = size / n
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(start * module, size - (r + 1) * module, (c - start) * module, module)
            else:
                c += 1
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)


def _canvas_class(draw_footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each can say "page N of M"."""

    class TranscriptCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            annotations = 0
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                # The annotation counter is part of the held page state; keep it moving on.
                self._annotationCount = max(self._annotationCount, annotations)
                draw_footer(self, number, total)
                annotations = self._annotationCount
                Canvas.showPage(self)
            Canvas.save(self)

    return TranscriptCanvas


def render_pdf(
    snapshot: dict[str, Any],
    *,
    logo: str | None = None,
    page_size: str = "letter",
    font: str | None = None,
    font_bold: str | None = None,
) -> bytes:
    """Lay out the transcript that `snapshot` describes; return unsigned PDF bytes."""
    register_fonts(font, font_bold)
    styles = _styles()
    size = PAGE_SIZES.get(page_size, LETTER)
    width, height = size
    margin = 18 * mm
    code = snapshot["verification_code"]
    url = snapshot["verify_url"]
    student = snapshot["student"]
    matrix = qr_matrix(url)
    qr_defined = [False]

    # Platypus frames pad their content by 6 pt on each side; the footer lines up with it.
    left, right = margin + 6, width - margin - 6
    content_width = right - left
    text_room = content_width - QR_SIZE - 4 * mm

    def fitted(canvas: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
        """Draw one footer line, smaller if it would run into the QR code (never below 6 pt)."""
        while size > 6 and pdfmetrics.stringWidth(text, font, size) > text_room:
            size -= 0.5
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)

    def draw_footer(canvas: Canvas, number: int, total: int) -> None:
        if not qr_defined[0]:
            canvas.beginForm("verification_qr", 0, 0, QR_SIZE, QR_SIZE)
            _draw_qr(canvas, matrix, QR_SIZE)
            canvas.endForm()
            qr_defined[0] = True
        canvas.saveState()
        base = 10 * mm
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(left, base + QR_SIZE + 3 * mm, right, base + QR_SIZE + 3 * mm)
        canvas.translate(right - QR_SIZE, base)
        canvas.doForm("verification_qr")
        canvas.restoreState()
        canvas.saveState()
        canvas.setFillColor(INK)
        y = base + QR_SIZE - 4 * mm
        fitted(canvas, left, y, f"Verification code: {format_code(code)}", BOLD, 9)
        fitted(canvas, left, y - 4.5 * mm, "Check this transcript, and read an accessible version, at:", REGULAR, 8.5)
        fitted(canvas, left, y - 8.5 * mm, url, REGULAR, 8.5)
        link_w = min(pdfmetrics.stringWidth(url, REGULAR, 8.5), text_room)
        canvas.linkURL(url, (left, y - 9.5 * mm, left + link_w, y - 5.5 * mm), relative=0)
        canvas.setFillColor(MUTED)
        fitted(
            canvas,
            left,
            y - 13 * mm,
            f"{snapshot['institution']} · {student['name']} ({student['campus_id']})",
            REGULAR,
            8.5,
        )
        fitted(canvas, left, base, f"Page {number} of {total}", REGULAR, 8.5)
        canvas.restoreState()

    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=16 * mm,
        bottomMargin=FOOTER_HEIGHT + 8 * mm,
        title=f"{official.TITLE}: {student['name']}",
        author=snapshot["institution"],
        subject=f"Verification code {format_code(code)}",
        creator="careercenter",
        lang="en",
        # Start in the embedded font, so no unembedded Helvetica is ever referenced.
        initialFontName=REGULAR,
    )
    try:
        story = official.header(snapshot, styles, content_width, logo)
    except official.LogoUnreadable as exc:
        raise LogoUnavailable(f"CAREERCENTER_TRANSCRIPT_LOGO (or CAREERCENTER_LOGO) {exc}") from None
    story += official.body(snapshot, styles, content_width)
    doc.build(story, canvasmaker=_canvas_class(draw_footer))
    return out.getvalue()
