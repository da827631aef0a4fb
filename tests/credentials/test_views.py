"""The routes: the issuer profile, the status list, a student's downloads, the verifier, the
registrar API's logic (through the service: the route waits for the registrar's protector)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import Disclosure
from careercenter.credentials import issuance, proof, statuslist
from careercenter.credentials import status as credential_status
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.multibase import decode_ed25519_public
from careercenter.credits.models import AwardStatus
from careercenter.sso.models import Role


@pytest.fixture()
def student(make_student: Any) -> Any:
    return make_student(name="Liam Chen")


def test_issuer_profile_publishes_the_keys(app: Any, client: Any) -> None:
    response = client.get("/issuer")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    profile = response.get_json()
    keys = issuer_keys(app.config)
    assert profile["id"] == "http://careers.test/issuer"
    multikey = next(m for m in profile["verificationMethod"] if m["type"] == "Multikey")
    assert decode_ed25519_public(multikey["publicKeyMultibase"]) == keys.ed25519_public().public_bytes_raw()
    assert multikey["id"] in profile["assertionMethod"]
    jwk = next(m for m in profile["verificationMethod"] if m["type"] == "JsonWebKey")["publicKeyJwk"]
    assert jwk == keys.public_jwk and "d" not in jwk


def test_student_page_and_downloads(
    app: Any, client: Any, login: Any, session: Any, student: Any, verified_experience: Any, make_award: Any
) -> None:
    experience = verified_experience(student, employer="Northwind")
    make_award(student, [experience], status=AwardStatus.POSTED)
    login(student)
    page = client.get("/me/credentials")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Micro-internship: Customer churn dashboard" in html and "INTR 295" in html
    links = [line.split('href="')[1].split('"')[0] for line in html.splitlines() if 'href="/me/credentials/' in line]
    json_link = next(link for link in links if link.endswith(".json") and "clr" not in link)
    downloaded = client.get(json_link)
    assert downloaded.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(downloaded.data)
    keys = issuer_keys(app.config)
    assert proof.verify(document, lambda vm: keys.ed25519_public())
    jwt_text = client.get(json_link.replace(".json", ".jwt")).get_data(as_text=True)
    assert jwt_text.count(".") == 2
    clr = client.get("/me/credentials/clr.json")
    assert clr.status_code == 200
    assert len(clr.get_json()["credentialSubject"]["verifiableCredential"]) == 2
    assert client.get("/me/credentials/clr.jwt").get_data(as_text=True).startswith("eyJ")
    # A student reading their own credentials is not a disclosure.
    assert not session.execute(sa.select(Disclosure).where(Disclosure.student_id == student.id)).first()


def test_no_clr_without_a_record_in_force(app: Any, client: Any, login: Any, session: Any, student: Any) -> None:
    login(student)
    response = client.get("/me/credentials/clr.json")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/credentials")
    page = client.get("/me/credentials").get_data(as_text=True)
    assert "There is no record to bundle yet" in page
    assert "Download my record" not in page
    with pytest.raises(issuance.NothingToBundle):
        issuance.clr_for_student(
            session, student.campus_id, SimpleNamespace(client_id="x", client_name="x"), app.config
        )
    assert not session.execute(sa.select(Disclosure).where(Disclosure.student_id == student.id)).first()


def test_another_students_credential_is_404(
    app: Any, client: Any, login: Any, session: Any, student: Any, make_student: Any, verified_experience: Any
) -> None:
    row = issuance.issue_for_experience(session, verified_experience(student), app.config)
    uid = row.credential_id.rsplit(":", 1)[-1]
    login(make_student())
    assert client.get(f"/me/credentials/{uid}.json").status_code == 404
    assert client.get(f"/me/credentials/{uid}.jwt").status_code == 404


def test_status_list_route_shows_the_revocation(
    app: Any, client: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    row = issuance.issue_for_experience(session, verified_experience(student), app.config)
    url = row.document["credentialStatus"]["statusListCredential"].removeprefix("http://careers.test")
    index = row.status_index

    def bit() -> bool:
        listed = client.get(url).get_json()
        keys = issuer_keys(app.config)
        proof.verify(listed, lambda vm: keys.ed25519_public())
        return statuslist.bit_is_set(listed["credentialSubject"]["encodedList"], index)

    assert bit() is False
    credential_status.revoke(session, row, actor=None, reason="test")
    assert bit() is True
    assert client.get("/credentials/status/999999").status_code == 404


def _post_json(client: Any, body: Any) -> Any:
    return client.post("/verify/credential", data=json.dumps(body), content_type="application/json")


def test_verify_endpoint_json_and_jwt(
    app: Any, client: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    row = issuance.issue_for_experience(session, verified_experience(student), app.config)
    assert _post_json(client, row.document).get_json()["result"] == "valid"
    changed = copy.deepcopy(row.document)
    changed["credentialSubject"]["result"][0]["value"] = "400"
    answer = _post_json(client, changed).get_json()
    assert answer["result"] == "tampered"
    jwt_answer = client.post("/verify/credential", data=row.jwt, content_type="application/jwt").get_json()
    assert jwt_answer["result"] == "valid" and jwt_answer["form"] == "jwt"
    foreign = json.loads((Path(__file__).parent / "vectors/ob-v3p0-impl-guide/credential.json").read_text())
    assert _post_json(client, foreign).get_json()["result"] == "unknown"
    credential_status.revoke(session, row, actor=None, reason="test")
    assert _post_json(client, row.document).get_json()["result"] == "revoked"
    bad = client.post("/verify/credential", data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert "JSON" in bad.get_json()["detail"]


def test_verify_form_paste_upload_and_bad_input(
    app: Any, client: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    row = issuance.issue_for_experience(session, verified_experience(student), app.config)
    pasted = client.post("/verify/credential", data={"credential": json.dumps(row.document)})
    assert pasted.status_code == 200 and '<h2 id="verify-result-title">\n    Valid' in pasted.get_data(as_text=True)
    uploaded = client.post(
        "/verify/credential",
        data={"upload": (io.BytesIO(row.jwt.encode()), "credential.jwt")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200 and "VC-JWT" in uploaded.get_data(as_text=True)
    empty = client.post("/verify/credential", data={"credential": "  "})
    assert empty.status_code == 422
    assert "Paste a credential, or choose a file" in empty.get_data(as_text=True)
    garbage = client.post("/verify/credential", data={"credential": "hello"})
    assert garbage.status_code == 422 and 'id="credential-error"' in garbage.get_data(as_text=True)
    binary = client.post(
        "/verify/credential",
        data={"upload": (io.BytesIO(b"\xff\xfe\x00"), "x.json")},
        content_type="multipart/form-data",
    )
    assert binary.status_code == 422 and "not a text credential" in binary.get_data(as_text=True)


def test_clr_for_student_logs_the_disclosure(
    app: Any, session: Any, student: Any, verified_experience: Any, make_person: Any
) -> None:
    verified_experience(student)
    client = SimpleNamespace(client_id="banner-prod", client_name="Banner (registrar)")
    document = issuance.clr_for_student(session, student.campus_id, client, app.config)
    assert "ClrCredential" in document["type"]
    entry = session.execute(sa.select(Disclosure).where(Disclosure.student_id == student.id)).scalar_one()
    assert entry.party_type == "api_client" and entry.party_id == "banner-prod"
    assert entry.party_label == "Banner (registrar)" and "CLR" in entry.records
    with pytest.raises(issuance.CredentialNotFound):
        issuance.clr_for_student(session, "NOPE-1", client, app.config)
    staff = make_person(Role.REGISTRAR)
    with pytest.raises(issuance.CredentialNotFound):
        issuance.clr_for_student(session, staff.campus_id, client, app.config)


def test_cli_make_dev_key(make_app: Any, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("CAREERCENTER_INSTANCE_PATH", str(tmp_path / "inst"))
    other = make_app()
    runner = other.test_cli_runner()
    first = runner.invoke(args=["credentials", "make-dev-key"])
    assert first.exit_code == 0 and "made" in first.output and "z6Mk" in first.output
    key_file = tmp_path / "inst" / "vc_signing_key.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    before = key_file.read_bytes()
    again = runner.invoke(args=["credentials", "make-dev-key"])
    assert again.exit_code == 0 and "already exists" in again.output and key_file.read_bytes() == before
    forced = runner.invoke(args=["credentials", "make-dev-key", "--force"])
    assert forced.exit_code == 0 and key_file.read_bytes() != before


def test_configured_key_and_bad_key(make_app: Any, tmp_path: Any) -> None:
    from careercenter.credentials import keys

    pem = keys.generate_pem()
    path = tmp_path / "issuer.pem"
    path.write_bytes(pem)
    configured = make_app(VC_SIGNING_KEY=str(path))
    with configured.app_context():
        assert keys.issuer_keys().multikey == keys.parse_pem(pem).multikey
    half = tmp_path / "half.pem"
    half.write_bytes(pem.split(b"-----END PRIVATE KEY-----")[0] + b"-----END PRIVATE KEY-----\n")
    broken = make_app(VC_SIGNING_KEY=str(half))
    with broken.app_context(), pytest.raises(keys.SigningKeyError, match="Ed25519 and an EC P-256"):
        keys.issuer_keys()
    missing = make_app(VC_SIGNING_KEY=str(tmp_path / "nope.pem"))
    with missing.app_context(), pytest.raises(keys.SigningKeyError, match="cannot be read"):
        keys.issuer_keys()


def test_missing_issuing_key_is_a_clear_503(make_app: Any, tmp_path: Any) -> None:
    broken = make_app(VC_SIGNING_KEY=str(tmp_path / "nope.pem"))
    response = broken.test_client().get("/issuer")
    assert response.status_code == 503
    assert "issuing key is not configured" in response.get_data(as_text=True)


def test_cli_verify(app: Any, runner: Any, session: Any, student: Any, verified_experience: Any, tmp_path: Any) -> None:
    row = issuance.issue_for_experience(session, verified_experience(student), app.config)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(row.document))
    result = runner.invoke(args=["credentials", "verify", str(good)])
    assert result.exit_code == 0 and result.output.startswith("valid:")
    jwt_file = tmp_path / "c.jwt"
    jwt_file.write_text(row.jwt)
    assert runner.invoke(args=["credentials", "verify", str(jwt_file)]).exit_code == 0
    changed = copy.deepcopy(row.document)
    changed["name"] = "Something else"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(changed))
    result = runner.invoke(args=["credentials", "verify", str(bad)])
    assert result.exit_code == 1 and result.output.startswith("tampered:")
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    result = runner.invoke(args=["credentials", "verify", str(junk)])
    assert result.exit_code == 1 and "Paste a credential as JSON" in result.output


def test_verify_refuses_an_oversized_body(client: Any) -> None:
    response = client.post("/verify/credential", data="x" * (2 * 1024 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413 and "at most 2 MB" in response.get_json()["detail"]


def test_verifier_needs_no_csrf_token(make_app: Any) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    answer = client.post("/verify/credential", data="{}", content_type="application/json")
    assert answer.status_code == 200 and answer.get_json()["result"] == "unknown"
    form = client.post("/verify/credential", data={"credential": "{}"})
    assert form.status_code == 200 and "Unknown" in form.get_data(as_text=True)
