"""The PDF as tools that are not this code see it: poppler's pdfsig/pdftotext/pdftoppm/pdffonts,
zbar's zbarimg, NSS's certutil."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from careercenter.credits.models import AwardStatus
from careercenter.transcripts.models import format_code
from tests.conftest import ARTIFACTS
from tests.transcripts.conftest import run_tool

LONG_EMPLOYER = (
    "The Extraordinarily Long-Named Regional Consortium for Sustainable Agricultural Research "
    "and Rural Community Development Cooperative"
)
LONG_PROJECT = (
    "Designing, prototyping and evaluating a multilingual volunteer-scheduling and outreach-tracking "
    "dashboard for county extension offices across three states"
)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture()
def long_transcript(make_student: Any, verified_experience: Any, make_award: Any, issue: Any) -> Any:
    student = make_student(name="Maya Okafor-Lindqvist", campus_id="S7001")
    first = verified_experience(
        student, employer=LONG_EMPLOYER, title=LONG_PROJECT, hours=Decimal("22.5"), skills=["communication"]
    )
    for i in range(7):
        verified_experience(
            student,
            employer=f"Employer number {i}",
            title=f"Project {i}",
            skills=["teamwork", "problem solving"],
            skill_ratings={"teamwork": 5, "problem solving": 3},
        )
    make_award(
        student,
        experiences=[first],
        subject="INTR",
        number="295",
        title="Micro-internship practicum",
        status=AwardStatus.POSTED,
    )
    return issue(student)


def test_pdftotext_states_everything_and_wraps_long_names(long_transcript: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(long_transcript.pdf)
    text = run_tool("pdftotext", "-layout", str(pdf), "-")
    flat = _words(text)
    # Real, extractable text: the names wrap across lines but every word is there, in order.
    assert _words(LONG_EMPLOYER) in _words(run_tool("pdftotext", "-raw", str(pdf), "-"))
    assert _words(LONG_PROJECT) in _words(run_tool("pdftotext", "-raw", str(pdf), "-"))
    assert "Pat Supervisor, Analytics Lead" in _words(run_tool("pdftotext", "-raw", str(pdf), "-"))
    for expected in (
        "Example State University",
        "Maya Okafor-Lindqvist",
        "S7001",
        "Official transcript of verified experience",
        "Office of the Registrar, University Registrar",
        "INTR 295 Micro-internship practicum",
        "Posted",
        "communication 4",
        "teamwork 5 · problem solving 3",
        "162.5 verified hours",  # 22.5 + 7 × 20
        long_transcript.snapshot["issued_on"],
    ):
        assert expected in flat, expected
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert all(f"Employer number {i}" in pages[0] for i in range(7)), "eight experiences fit on page one"
    code = format_code(long_transcript.verification_code)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Verification code: {code}" in page
        assert f"http://careers.test/verify/{long_transcript.verification_code}" in page
    # No line runs past the text column: a cut-off name would show as a very long line.
    assert max(len(line) for line in text.splitlines()) < 140


def test_fonts_are_embedded(long_transcript: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(long_transcript.pdf)
    out = run_tool("pdffonts", str(pdf))
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    for row in rows:
        # columns: name type encoding emb sub uni object ID
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), f"not embedded: {row}"


def test_signature_valid_covers_whole_file_and_one_byte_breaks_it(long_transcript: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(long_transcript.pdf)
    out = run_tool("pdfsig", str(good))
    assert "Signature is Valid." in out, out
    assert "Total document signed" in out, out
    assert "ETSI.CAdES.detached" in out, out  # PAdES

    data = bytearray(long_transcript.pdf)
    # Change one byte inside the signed page content (not in the signature's own hex).
    index = data.index(b"stream") + 40
    data[index] = (data[index] + 1) % 256
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    out = run_tool("pdfsig", str(bad))
    assert "Signature is Valid." not in out, out
    assert "Signature is Invalid" in out or "Digest Mismatch" in out or "does not match" in out.lower(), out


def test_signature_trusted_with_an_nss_db_holding_the_cert(
    long_transcript: Any, signing_pair: Any, tmp_path: Path
) -> None:
    _key, cert = signing_pair
    nss = tmp_path / "nss"
    nss.mkdir()
    run_tool("certutil", "-N", "-d", f"sql:{nss}", "--empty-password")
    run_tool("certutil", "-A", "-d", f"sql:{nss}", "-n", "transcripts", "-t", "CT,C,C", "-a", "-i", str(cert))
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(long_transcript.pdf)
    untrusted = run_tool("pdfsig", str(pdf))
    assert "Certificate is Trusted." not in untrusted
    out = run_tool("pdfsig", "-nssdir", f"sql:{nss}", str(pdf))
    assert "Signature is Valid." in out, out
    assert "Certificate is Trusted." in out, out


def test_qr_on_every_page_reads_as_the_verification_url(long_transcript: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(long_transcript.pdf)
    run_tool("pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) >= 2
    url = f"http://careers.test/verify/{long_transcript.verification_code}"
    for image in images:
        out = run_tool("zbarimg", "--nodbus", "--raw", "-q", str(image))
        assert out.strip().splitlines() == [url], (image.name, out)
    # Leave page 1 where a person can look at it.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(images[0], ARTIFACTS / "transcript-page-1.png")
    assert (ARTIFACTS / "transcript-page-1.png").stat().st_size > 10_000


def test_the_qr_form_xobject_is_encoded_once(long_transcript: Any) -> None:
    """The QR is one form XObject drawn on every page, not re-encoded per page."""
    pdf = long_transcript.pdf
    assert pdf.count(b"/Subtype /Form") == 1


def test_configured_logo_and_institution_are_drawn(
    app: Any, make_student: Any, verified_experience: Any, issue: Any, tmp_path: Path
) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), (11, 79, 138)).save(logo)
    student = make_student()
    verified_experience(student)
    app.config.update(LOGO=str(logo), INSTITUTION_NAME="Northgate Technical College")
    try:
        transcript = issue(student)
    finally:
        app.config.pop("LOGO")
        app.config["INSTITUTION_NAME"] = "Example State University"
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(transcript.pdf)
    images = run_tool("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert len([row for row in images if row.strip()]) == 1
    assert "Northgate Technical College" in run_tool("pdftotext", str(pdf), "-")
    assert "Signature is Valid." in run_tool("pdfsig", str(pdf))


def test_an_unbreakable_long_name_is_split_not_cut(
    make_student: Any, verified_experience: Any, issue: Any, tmp_path: Path
) -> None:
    employer = "Hyper" + "long" * 30 + "Industries.example.com"  # 140 characters, no spaces
    student = make_student()
    verified_experience(student, employer=employer, title="Short project")
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(issue(student).pdf)
    text = run_tool("pdftotext", "-layout", str(pdf), "-")
    # In content order (-raw) a table cell's lines come together: the whole name, split not cut.
    raw = run_tool("pdftotext", "-raw", str(pdf), "-")
    assert employer in "".join(raw.split()), "the whole name is in the text, whatever the line breaks"
    assert max(len(line) for line in text.splitlines()) < 140


def _ca_and_leaf(tmp_path: Path, passphrase: bytes) -> tuple[Path, Path, Path]:
    """An RSA CA and an RSA signing certificate it issued; the leaf key encrypted."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from careercenter.db import utcnow

    now = utcnow()
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Registrar Root CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Northgate College transcripts")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key_path, cert_path, chain_path = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "ca.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
    )
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    chain_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, chain_path


def test_institution_key_with_passphrase_and_chain_is_trusted_through_its_ca(
    make_app: Any, session: Any, make_student: Any, verified_experience: Any, tmp_path: Path
) -> None:
    from careercenter.audit.service import Actor
    from careercenter.transcripts import service

    key, cert, chain = _ca_and_leaf(tmp_path, b"correct horse battery staple")
    institution = make_app(
        SIGNING_KEY=str(key),
        SIGNING_CERT=str(cert),
        SIGNING_CHAIN=str(chain),
        SIGNING_KEY_PASSPHRASE="correct horse battery staple",
    )
    student = make_student()
    verified_experience(student)
    transcript = service.issue_transcript(
        session, student, service.settings_from_app(institution), actor=Actor.system("test")
    )
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(transcript.pdf)
    # NSS knows only the root: trust follows from the chain embedded in the signature.
    nss = tmp_path / "nss"
    nss.mkdir()
    run_tool("certutil", "-N", "-d", f"sql:{nss}", "--empty-password")
    run_tool("certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-a", "-i", str(chain))
    out = run_tool("pdfsig", "-nssdir", f"sql:{nss}", str(pdf))
    assert "Signer Certificate Common Name: Northgate College transcripts" in out, out
    assert "Signature is Valid." in out and "Certificate is Trusted." in out, out

    wrong = make_app(SIGNING_KEY=str(key), SIGNING_CERT=str(cert), SIGNING_KEY_PASSPHRASE="wrong")
    from careercenter.transcripts.signing import SigningUnavailable, get_signer

    with pytest.raises(SigningUnavailable, match="cannot read the signing key"):
        get_signer(wrong)


def test_ten_experiences_fit_on_page_one_of_the_official_transcript(
    app: Any, make_student: Any, verified_experience: Any, make_award: Any, issue: Any, tmp_path: Path
) -> None:
    """The official layout: seal, title, registrar, one compact table; PNG of page one kept."""
    from PIL import Image

    logo = tmp_path / "seal.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        '<circle cx="50" cy="50" r="45" fill="#0b4f8a"/></svg>'
    )
    student = make_student(name="Maya Okafor", campus_id="S7010")
    for i in range(10):
        verified_experience(
            student,
            employer=f"Firm {i} Cooperative",
            title=f"Project {i}",
            skills=["teamwork"],
            skill_ratings={"teamwork": 4},
        )
    make_award(student, status=AwardStatus.POSTED)
    app.config.update(TRANSCRIPT_LOGO=str(logo), REGISTRAR_NAME="Dr. Ada Lovelace", REGISTRAR_TITLE="Registrar")
    try:
        transcript = issue(student)
    finally:
        app.config.update(TRANSCRIPT_LOGO=None, REGISTRAR_NAME="Office of the Registrar")
        app.config["REGISTRAR_TITLE"] = "University Registrar"
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(transcript.pdf)
    text = run_tool("pdftotext", "-layout", str(pdf), "-")
    first = [p for p in text.split("\f") if p.strip()][0]
    for i in range(10):
        assert f"Firm {i} Cooperative" in first, f"experience {i} is not on page one"
    flat = _words(text)
    for expected in ("Official transcript of verified experience", "Dr. Ada Lovelace, Registrar", "Skills rated"):
        assert expected in flat, expected
    assert "Verified: the supervisor named confirmed" in flat  # the key
    assert "Signature is Valid." in run_tool("pdfsig", str(pdf))
    run_tool("pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    image = sorted(tmp_path.glob("page*.png"))[0]
    url = f"http://careers.test/verify/{transcript.verification_code}"
    assert url in run_tool("zbarimg", "--nodbus", "--raw", "-q", str(image)).splitlines()
    # The SVG seal is drawn: dark blue pixels near the top left.
    with Image.open(image) as page:
        rgb = page.convert("RGB")
        blue = sum(1 for x in range(0, 200, 4) for y in range(0, 200, 4) if rgb.getpixel((x, y)) == (11, 79, 138))
    assert blue > 20
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(image, ARTIFACTS / "official-transcript-page-1.png")
