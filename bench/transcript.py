"""Transcript: render and sign through the service code, beside bare reportlab + bare pyHanko.

    python bench/transcript.py [--database careercenter_bench] [--n 40]

A student with 12 verified experiences and 4 awards (added to the bench database once, by SQL).
Times, each `--n` times: the service's `render.render_pdf` of the snapshot `build_snapshot`
makes, `signing.sign_pdf` with the app's loaded signer, and the whole `issue_transcript` (its
queries, render, sign, insert and audit event; rolled back each time). The floor: a minimal
reportlab script drawing the same content (text lines, a table's worth of awards, the QR code)
and pyHanko signing that PDF with the same key and certificate, its signer loaded once.
Prints and writes bench/results/transcript.json.
"""

from __future__ import annotations

import argparse
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_app, bench_database_url, libpq_url, repeat, stats, write_results  # noqa: E402

CAMPUS_ID = "TBENCH0001"


def ensure_student(url: str) -> int:
    """The transcript student (12 verified experiences, 4 awards shown); made once by SQL."""
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        found = cur.execute("SELECT id FROM people WHERE campus_id = %s", (CAMPUS_ID,)).fetchone()
        if found:
            return found[0]
        sid = cur.execute(
            "INSERT INTO people (campus_id, email, display_name, program, class_level, is_active, is_demo,"
            " created_at, updated_at) VALUES (%s, 'tess.bench@students.example.edu', 'Tess Benchmark',"
            " 'Data Science', 'senior', true, false, now(), now()) RETURNING id",
            (CAMPUS_ID,),
        ).fetchone()[0]
        cur.execute("INSERT INTO role_grants (person_id, role) VALUES (%s, 'student')", (sid,))
        exp_cols = (
            "employer, title, description, category, start_date, end_date, hours, skills, supervisor_name,"
            " supervisor_title, supervisor_email, source, state, verified_hours, verified_at, skill_ratings,"
            " supervisor_feedback, created_at, updated_at"
        )
        exp_ids = [
            r[0]
            for r in cur.execute(
                f"INSERT INTO experiences (student_id, {exp_cols}) SELECT %s, {exp_cols} FROM experiences"
                " WHERE state = 'verified' ORDER BY id LIMIT 12 RETURNING id",
                (sid,),
            ).fetchall()
        ]
        req_cols = (
            "rule_id, term, state, reflection, evaluation, is_eligible, computed_credits, submitted_at,"
            " decided_by_id, decided_at, decision_comment, created_at, updated_at, version_id"
        )
        for k in range(4):
            rid = cur.execute(
                f"INSERT INTO credit_requests (student_id, {req_cols}) SELECT %s, {req_cols} FROM credit_requests"
                " ORDER BY id LIMIT 1 OFFSET %s RETURNING id",
                (sid, k),
            ).fetchone()[0]
            for e in exp_ids[3 * k : 3 * k + 3]:
                cur.execute(
                    "INSERT INTO credit_request_experiences (request_id, experience_id) VALUES (%s, %s)", (rid, e)
                )
            cur.execute(
                "INSERT INTO credit_awards (request_id, student_id, rule_id, term, credits, grading_basis, status,"
                " approved_by_id, approved_at, sis_reference, posted_at, created_at, updated_at)"
                " SELECT %s, %s, rule_id, term, credits, grading_basis, %s, approved_by_id, approved_at,"
                " %s, posted_at, created_at, updated_at FROM credit_awards ORDER BY id LIMIT 1 OFFSET %s",
                (rid, sid, "posted" if k < 3 else "pending", f"SIS-T{k}" if k < 3 else None, k),
            )
        conn.commit()
        return sid


def bare_fonts() -> tuple[str, str]:
    """The service's TrueType font pair, registered under names of our own (embedded subsets, like the service)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from careercenter.transcripts.render import FONT_CANDIDATES

    regular, bold = next((r, b) for r, b in FONT_CANDIDATES if Path(r).is_file())
    pdfmetrics.registerFont(TTFont("BenchSans", regular))
    pdfmetrics.registerFont(TTFont("BenchSans-Bold", bold if Path(bold).is_file() else regular))
    return "BenchSans", "BenchSans-Bold"


def bare_render(snapshot: dict[str, Any], fonts: tuple[str, str] = ("Helvetica", "Helvetica-Bold")) -> bytes:
    """The floor for rendering: the same text and QR code drawn straight onto a reportlab canvas.

    With the default fonts (PDF standard fonts, nothing embedded) this is the cheapest drawing of
    the content; with `bare_fonts()` it embeds the same TrueType subsets as the service.
    """
    regular_font, bold_font = fonts
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, pagesize=LETTER)
    width, height = LETTER
    y = height - 60

    def line(text: str, size: float = 9, bold: bool = False) -> None:
        nonlocal y
        if y < 120:
            canvas.showPage()
            y = height - 60
        canvas.setFont(bold_font if bold else regular_font, size)
        canvas.drawString(50, y, text)
        y -= size + 4

    student = snapshot["student"]
    line(snapshot["institution"], 16, bold=True)
    line(f"Micro-internship transcript: {student['name']} ({student['campus_id']}), {student['program']}", 11)
    line(f"Issued {snapshot['issued_on']}")
    for exp in snapshot["experiences"]:
        line(f"{exp['employer']}: {exp['title']}", 10, bold=True)
        line(f"{exp['start_date']} to {exp['end_date']}, {exp['hours']} hours")
        line(", ".join(f"{s['skill']} {s['rating'] or '-'}/5" for s in exp["skills"]))
        line(f"Signed off by {exp['supervisor_name']}, {exp['supervisor_title']}, on {exp['signed_off_on']}")
    for award in snapshot["awards"]:
        line(f"{award['course']} {award['course_title']}  {award['credits']} cr  {award['term']}")
        line(f"  {award['grading_basis']}, {award['status_label']}")
    totals = snapshot["totals"]
    line(f"Totals: {totals['experiences']} experiences, {totals['hours']} hours, {totals['credits']} credits")
    qr = QrCodeWidget(snapshot["verify_url"])
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(80, 80, transform=[80 / (x1 - x0), 0, 0, 80 / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, canvas, width - 130, 40)
    canvas.setFont(regular_font, 9)
    canvas.drawString(50, 60, f"Verification code: {snapshot['verification_code']}  {snapshot['verify_url']}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def bare_signer(key_path: Path, cert_path: Path) -> Any:
    """pyHanko's own signer, loaded as its documentation shows (it parses the key on each signature)."""
    from pyhanko.sign import signers

    return signers.SimpleSigner.load(str(key_path), str(cert_path))


def bare_signer_parsed_once(key_path: Path, cert_path: Path) -> Any:
    """The same, with the key parsed once: the fastest pyHanko signing this machine allows."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    base = signers.SimpleSigner.load(str(key_path), str(cert_path))

    class ParsedOnce(signers.SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algo))
            return key.sign(data, padding.PKCS1v15(), hash_algo)  # type: ignore[union-attr]

    return ParsedOnce(signing_cert=base.signing_cert, signing_key=base.signing_key, cert_registry=base.cert_registry)


def bare_sign(signer: Any, pdf: bytes) -> bytes:
    """The floor for signing: pyHanko's PAdES signature over the whole file, nothing around it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    # With bytes_reserved given, pyHanko signs once instead of first sizing the signature by a dry run.
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return signers.PdfSigner(meta, signer=signer).sign_pdf(writer, bytes_reserved=16384).getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="careercenter_bench")
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    url = bench_database_url(args.database)
    student_id = ensure_student(url)

    from careercenter.audit.service import Actor
    from careercenter.db import utcnow
    from careercenter.extensions import db
    from careercenter.sso.models import Person
    from careercenter.transcripts import render, service, signing

    app = bench_app(url)
    signing.make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
    figures: dict[str, Any] = {"database": args.database, "n": args.n}
    with app.app_context():
        settings = service.settings_from_app(app)  # loads the signer once, as the app does
        student = db.session.get(Person, student_id)
        experiences = service.verified_experiences(db.session, student_id)
        awards = service.shown_awards(db.session, student_id)
        code = service.new_code()
        snapshot = service.build_snapshot(
            student,
            experiences,
            awards,
            institution=settings.institution,
            code=code,
            url=service.verify_url(settings.public_url, code),
            issued_at=utcnow(),
        )
        figures["content"] = {"experiences": len(experiences), "awards": len(awards)}

        def svc_render() -> bytes:
            return render.render_pdf(snapshot, logo=settings.logo, page_size=settings.page_size)

        unsigned = svc_render()

        def svc_sign() -> bytes:
            return signing.sign_pdf(settings.signer, unsigned, reason="Transcript", location=settings.public_url)

        def svc_issue() -> None:
            service.issue_transcript(db.session, student, settings, actor=Actor.person(student))
            db.session.rollback()

        key_path, cert_path = signing.configured_paths(app)
        signer = bare_signer(key_path, cert_path)
        signer_once = bare_signer_parsed_once(key_path, cert_path)
        bare_unsigned = bare_render(snapshot)

        # Warm up every path once (imports, font metrics, first-use caches), then interleave
        # the measurements so that a noisy neighbour hits both sides alike.
        svc_render(), svc_sign(), svc_issue(), bare_render(snapshot), bare_sign(signer, bare_unsigned)
        bare_sign(signer_once, bare_unsigned)
        ttf = bare_fonts()
        bare_render(snapshot, ttf)
        names = ("render", "sign", "issue", "bare_render", "bare_render_ttf", "bare_sign", "bare_sign_key_parsed_once")
        samples: dict[str, list[float]] = {k: [] for k in names}
        for _ in range(args.n):
            samples["render"] += repeat(svc_render, 1)
            samples["sign"] += repeat(svc_sign, 1)
            samples["issue"] += repeat(svc_issue, 1)
            samples["bare_render"] += repeat(lambda: bare_render(snapshot), 1)
            samples["bare_render_ttf"] += repeat(lambda: bare_render(snapshot, ttf), 1)
            samples["bare_sign"] += repeat(lambda: bare_sign(signer, bare_unsigned), 1)
            samples["bare_sign_key_parsed_once"] += repeat(lambda: bare_sign(signer_once, bare_unsigned), 1)
        figures["pdf_bytes"] = {
            "service": len(unsigned),
            "bare": len(bare_unsigned),
            "bare_ttf": len(bare_render(snapshot, ttf)),
        }
        db.engine.dispose()
    for key, values in samples.items():
        figures[key] = stats(values)
    service_ms = figures["render"]["median_ms"] + figures["sign"]["median_ms"]
    # The signing floor is the faster of the two bare pyHanko signers.
    sign_floor_ms = min(figures["bare_sign"]["median_ms"], figures["bare_sign_key_parsed_once"]["median_ms"])
    floor_ms = figures["bare_render"]["median_ms"] + sign_floor_ms
    figures["render_plus_sign_median_ms"] = round(service_ms, 2)
    figures["floor_median_ms"] = round(floor_ms, 2)
    figures["ratio_render_plus_sign"] = round(service_ms / floor_ms, 2)
    figures["ratio_issue"] = round(figures["issue"]["median_ms"] / floor_ms, 2)
    figures["ratio_render_vs_same_ttf"] = round(
        figures["render"]["median_ms"] / figures["bare_render_ttf"]["median_ms"], 2
    )
    figures["ratio_render"] = round(figures["render"]["median_ms"] / figures["bare_render"]["median_ms"], 2)
    figures["ratio_sign"] = round(figures["sign"]["median_ms"] / sign_floor_ms, 2)
    figures["target"] = "signed transcript within 1.5x of bare reportlab + pyHanko"
    figures["target_met"] = figures["ratio_render_plus_sign"] <= 1.5
    path = write_results("transcript", figures)
    print(f"transcript of 12 experiences and 4 awards, n={args.n} (median / p95 ms)")
    for key, label in (
        ("render", "service render"),
        ("sign", "service sign"),
        ("issue", "issue_transcript (all)"),
        ("bare_render", "bare reportlab"),
        ("bare_render_ttf", "bare reportlab, same TTF"),
        ("bare_sign", "bare pyHanko"),
        ("bare_sign_key_parsed_once", "bare pyHanko, key once"),
    ):
        print(f"  {label:<24} {figures[key]['median_ms']:8.1f} {figures[key]['p95_ms']:8.1f}")
    print(
        f"  render+sign {service_ms:.1f} ms vs floor {floor_ms:.1f} ms: {figures['ratio_render_plus_sign']}x "
        f"(render {figures['ratio_render']}x, sign {figures['ratio_sign']}x; whole issue {figures['ratio_issue']}x)"
    )
    print(f"target (within 1.5x): {'met' if figures['target_met'] else 'missed'}")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
