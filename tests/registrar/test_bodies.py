"""Issue 16 item 4: no body makes a 500. Every route that reads JSON, a CSV/JSON file or a PDF
gets a deeply nested body, a truncated body, invalid UTF-8 and a 0-byte body, and answers
400/413/415/422 — problem+json on the API, a page in the browser. (The SAML ACS, which reads
XML, has the same test in tests/sso_saml/test_saml_login.py.)"""

from __future__ import annotations

import io
from typing import Any

import pytest

from careercenter.sso.models import Role

BAD_BODIES = {
    "deep": b"[" * 100_000,
    "deep-object": b'{"a":' * 50_000,
    "truncated": b'{"status": "posted", "sis_refer',
    "not-utf8": b'{"status": "posted", "note": "\xff\xfe\xc3"}',
    "empty": b"",
}
REFUSALS = {400, 413, 415, 422}


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_api_posting(client: Any, make_award: Any, make_student: Any, bearer: Any, kind: str) -> None:
    award = make_award(make_student())
    response = client.post(
        f"/api/v1/credit-awards/{award.id}/posting",
        data=BAD_BODIES[kind],
        content_type="application/json",
        headers=bearer(),
    )
    assert response.status_code in {400, 413}, response.get_data(as_text=True)  # 100,000 "[" are > 64 KiB
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == response.status_code


def test_api_posting_wrong_type_and_too_large(client: Any, make_award: Any, make_student: Any, bearer: Any) -> None:
    award = make_award(make_student())
    headers = bearer()
    url = f"/api/v1/credit-awards/{award.id}/posting"
    wrong = client.post(url, data=b"status=posted", content_type="application/x-www-form-urlencoded", headers=headers)
    assert wrong.status_code == 415 and wrong.mimetype == "application/problem+json"
    big = client.post(url, data=b" " * (65 * 1024), content_type="application/json", headers=headers)
    assert big.status_code == 413 and big.mimetype == "application/problem+json"


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
@pytest.mark.parametrize("content_type", ["application/json", "application/ld+json", "text/plain"])
def test_verify_credential_body(client: Any, kind: str, content_type: str) -> None:
    response = client.post("/verify/credential", data=BAD_BODIES[kind], content_type=content_type)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_verify_credential_form(client: Any, kind: str) -> None:
    answers = [client.post("/verify/credential", data={"upload": (io.BytesIO(BAD_BODIES[kind]), "credential.json")})]
    if kind != "not-utf8":  # a browser sends pasted text as UTF-8 whatever was pasted
        answers.append(client.post("/verify/credential", data={"credential": BAD_BODIES[kind].decode()}))
    for response in answers:
        assert response.status_code == 422, response.status_code
        assert response.mimetype == "text/html" and 'class="error' in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
@pytest.mark.parametrize("filename", ["export.json", "export.csv"])
def test_experience_import(client: Any, login: Any, make_person: Any, kind: str, filename: str) -> None:
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    response = client.post("/registrar/internships/import", data={"file": (io.BytesIO(BAD_BODIES[kind]), filename)})
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page or "Choose a CSV or JSON file" in page


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_pdf_verify_upload(client: Any, kind: str) -> None:
    response = client.post("/verify", data={"pdf": (io.BytesIO(BAD_BODIES[kind]), "transcript.pdf")})
    assert response.status_code in REFUSALS, response.status_code
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_raw_bodies_to_form_routes(client: Any, kind: str) -> None:
    """Routes that read forms: a raw body of any kind is a 4xx, never a 500."""
    for path in ("/oauth/token", "/verify", "/dev/login"):
        for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            response = client.post(path, data=BAD_BODIES[kind], content_type=content_type)
            assert 400 <= response.status_code < 500, (path, content_type, response.status_code)


def test_a_body_over_the_request_limit_is_413(client: Any, make_award: Any, make_student: Any, bearer: Any) -> None:
    big = b"[" + b"1," * (4 * 1024 * 1024 + 10) + b"1]"  # > MAX_CONTENT_LENGTH (8 MiB)
    award = make_award(make_student())
    api = client.post(
        f"/api/v1/credit-awards/{award.id}/posting", data=big, content_type="application/json", headers=bearer()
    )
    assert api.status_code == 413 and api.mimetype == "application/problem+json"
    # A raw multipart body (a file tuple would make the test client spool it to a temporary file).
    page = client.post("/verify", data=big, content_type="multipart/form-data; boundary=x")
    assert page.status_code == 413 and page.mimetype == "text/html"
