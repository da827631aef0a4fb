"""The official transcript's body: what `render.render_pdf` lays out between its header and the
footer it draws on every page (verification code, QR code, "Page N of M").

A document a registrar would sign: the institution's seal or logo (CAREERCENTER_TRANSCRIPT_LOGO,
PNG or SVG), the title, the experiences as one compact table with the skill ratings in a second,
a key, the awards, the totals, statements of disagreement, and the registrar's name and title
beside the signature statement. Ten experiences fit on page one.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import CondPageBreak, Flowable, Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

TITLE = "Official transcript of verified experience"
RATING_KEY = "Skill ratings are the supervisor's, from 1 (beginning) to 5 (exemplary); — means not rated."
VERIFIED_KEY = (
    "Verified: the supervisor named confirmed the dates, the hours and the ratings through a one-time signed link "
    "on the date under Signed off. Amended: the record was corrected after a FERPA amendment request; the "
    "supervisor's original attestation is kept."
)
STATUS_KEY = "Award status — Posted: recorded by the registrar; Awaiting posting: approved, not yet recorded."
GRID = colors.HexColor("#9a9a9a")
FONT = "TranscriptSans"  # render.REGULAR: the embedded font (no unembedded Helvetica anywhere)
HEAD = colors.HexColor("#eeeeee")


class LogoUnreadable(Exception):
    """The logo file is neither a readable PNG/JPEG nor an SVG."""


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def logo_flowable(path: str, max_w: float = 30 * mm, max_h: float = 22 * mm) -> Flowable:
    """The seal or logo, scaled to fit; SVG through svglib, PNG/JPEG through reportlab."""
    if path.lower().endswith(".svg"):
        from svglib.svglib import svg2rlg

        drawing = svg2rlg(path)
        if drawing is None or not drawing.width or not drawing.height:
            raise LogoUnreadable(f"{path} is not a readable SVG")
        scale = min(max_w / drawing.width, max_h / drawing.height)
        drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
        drawing.scale(scale, scale)
        return drawing
    try:
        reader = ImageReader(path)
        width, height = reader.getSize()
    except OSError as exc:
        raise LogoUnreadable(f"{path} cannot be read as an image: {exc}") from None
    scale = min(max_w / width, max_h / height)
    return Image(path, width=width * scale, height=height * scale)


def _styles(base: ParagraphStyle) -> dict[str, ParagraphStyle]:
    return {
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", parent=base, fontName=base.fontName + "-Bold", fontSize=7.5, leading=9),
        "key": ParagraphStyle("key", parent=base, fontSize=7, leading=8.6, textColor=colors.HexColor("#4a4a4a")),
    }


def _grid(data: list[list[Any]], widths: list[float]) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ]
        )
    )
    return table


def experiences_table(experiences: list[dict[str, Any]], s: dict[str, ParagraphStyle], width: float) -> Table:
    head = ["#", "Employer", "Project", "Dates", "Hours", "Supervisor", "Signed off"]
    data: list[list[Any]] = [[_p(h, s["head"]) for h in head]]
    for n, exp in enumerate(experiences, start=1):
        signed = exp.get("signed_off_on") or "—"
        if exp.get("amended_on"):
            signed += f" (amended {exp['amended_on']})"
        data.append(
            [
                _p(n, s["cell"]),
                _p(exp["employer"], s["cell"]),
                _p(exp["title"], s["cell"]),
                _p(f"{exp['start_date']} – {exp['end_date']}", s["cell"]),
                _p(exp["hours"], s["cell"]),
                _p(
                    exp["supervisor_name"] + (f", {exp['supervisor_title']}" if exp.get("supervisor_title") else ""),
                    s["cell"],
                ),
                _p(signed, s["cell"]),
            ]
        )
    fixed = [6 * mm, 32 * mm, 22 * mm, 12 * mm, 34 * mm, 20 * mm]
    widths = [fixed[0], fixed[1], width - sum(fixed), *fixed[2:]]
    return _grid(data, widths)


def skills_table(experiences: list[dict[str, Any]], s: dict[str, ParagraphStyle], width: float) -> Table | None:
    rows = [(n, exp) for n, exp in enumerate(experiences, start=1) if exp.get("skills")]
    if not rows:
        return None
    data: list[list[Any]] = [[_p("#", s["head"]), _p("Skills rated by the supervisor (1–5)", s["head"])]]
    for n, exp in rows:
        text = " · ".join(f"{k['skill']} {k['rating'] or '—'}" for k in exp["skills"])
        data.append([_p(n, s["cell"]), _p(text, s["cell"])])
    return _grid(data, [6 * mm, width - 6 * mm])


def awards_table(awards: list[dict[str, Any]], s: dict[str, ParagraphStyle], width: float) -> Table:
    head = ["Course", "Credits", "Term", "Grading", "Status"]
    data: list[list[Any]] = [[_p(h, s["head"]) for h in head]]
    for a in awards:
        data.append(
            [
                _p(f"{a['course']} {a['course_title']}", s["cell"]),
                _p(a["credits"], s["cell"]),
                _p(a["term"], s["cell"]),
                _p(a["grading_basis"], s["cell"]),
                _p(a["status_label"], s["cell"]),
            ]
        )
    fixed = [16 * mm, 18 * mm, 18 * mm, 28 * mm]
    return _grid(data, [width - sum(fixed), *fixed])


def header(snapshot: dict[str, Any], styles: dict[str, ParagraphStyle], width: float, logo: str | None) -> list[Any]:
    """Logo or seal, institution, title, then the student in one compact table."""
    words = [_p(snapshot["institution"], styles["institution"]), _p(TITLE, styles["title"])]
    if logo:
        head: Any = Table([[logo_flowable(logo), words]], colWidths=[34 * mm, width - 34 * mm], hAlign="LEFT")
        head.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                ]
            )
        )
        out: list[Any] = [head]
    else:
        out = list(words)
    student = snapshot["student"]
    s = _styles(styles["body"])
    facts = [
        [
            _p("Student", s["head"]),
            _p(student["name"], s["cell"]),
            _p("Campus ID", s["head"]),
            _p(student["campus_id"], s["cell"]),
        ],
        [
            _p("Program", s["head"]),
            _p(student.get("program") or "—", s["cell"]),
            _p("Issued", s["head"]),
            _p(snapshot["issued_on"], s["cell"]),
        ],
    ]
    table = Table(facts, colWidths=[18 * mm, width / 2 - 18 * mm, 20 * mm, width / 2 - 20 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
            ]
        )
    )
    return [*out, Spacer(1, 2 * mm), table, Spacer(1, 3 * mm)]


def body(snapshot: dict[str, Any], styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    """Experiences, skill ratings, key, awards, totals, statements, and the signature statement."""
    s = _styles(styles["body"])
    experiences = snapshot["experiences"]
    story: list[Any] = [_p("Verified experience", styles["h2"])]
    story.append(experiences_table(experiences, s, width) if experiences else _p("None.", styles["body"]))
    skills = skills_table(experiences, s, width)
    if skills is not None:
        story += [Spacer(1, 2 * mm), skills]
    story += [Spacer(1, 1.5 * mm), _p(RATING_KEY, s["key"]), _p(VERIFIED_KEY, s["key"])]
    story += [CondPageBreak(25 * mm), _p("Credit awards", styles["h2"])]
    if snapshot["awards"]:
        story += [awards_table(snapshot["awards"], s, width), Spacer(1, 1 * mm), _p(STATUS_KEY, s["key"])]
    else:
        story.append(_p("No course credit awarded.", styles["body"]))
    totals = snapshot["totals"]
    story.append(
        _p(
            f"Totals: {totals['experiences']} verified experiences · {totals['hours']} verified hours · "
            f"{totals['credits']} credits awarded, {totals['credits_posted']} posted by the registrar.",
            styles["label"],
        )
    )
    statements = [(n, exp, st) for n, exp in enumerate(experiences, start=1) for st in exp.get("statements") or []]
    if statements:
        story += [CondPageBreak(25 * mm), _p("Statements of disagreement", styles["h2"])]
        for n, exp, st in statements:
            story.append(
                _p(
                    f"Statement of disagreement by the student on #{n} {exp['employer']}: {exp['title']} "
                    f"({st['added_on']}): {st['statement']}",
                    s["cell"],
                )
            )
    registrar = snapshot.get("registrar") or {}
    signature = [
        Spacer(1, 4 * mm),
        _p(
            f"This is an official transcript of {snapshot['institution']}, digitally signed; any change to the file "
            "breaks the signature. Whether it still stands — or was superseded by a newer transcript, or revoked — "
            "is shown at the address below, for the verification code on every page.",
            styles["small"],
        ),
    ]
    if registrar.get("name"):
        signature.append(_p(f"{registrar['name']}, {registrar.get('title', '')}".rstrip(", "), styles["label"]))
    story.append(KeepTogether(signature))
    return story
