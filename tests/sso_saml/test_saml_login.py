"""SAML sign-in against a real pysaml2 IdP: success for each role, and every refusal."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from careercenter.db import utcnow
from careercenter.sso.models import Person, Role
from careercenter.sso.saml_models import SamlConsumedAssertion, SamlOutstandingRequest
from tests.hostile_next import HOSTILE_NEXT, query
from tests.sso_saml.conftest import PUBLIC_URL, _register, start


def test_metadata_lists_acs_sls_and_certificate(saml_app: Any, saml_sp_keys: Any) -> None:
    response = saml_app.test_client().get("/saml/metadata")
    assert response.mimetype == "application/samlmetadata+xml"
    xml = response.get_data(as_text=True)
    assert f'entityID="{PUBLIC_URL}/saml/metadata"' in xml
    assert f'Location="{PUBLIC_URL}/saml/acs"' in xml
    assert f'Location="{PUBLIC_URL}/saml/sls"' in xml
    cert_body = "".join(line for line in saml_sp_keys.cert_pem.splitlines() if "-----" not in line)
    assert cert_body in xml.replace("\n", "")


def test_login_redirects_with_authn_request_kept_server_side(saml_app: Any, saml_idp: Any, session: Any) -> None:
    location = start(saml_app.test_client(), "/me")
    assert location.startswith(f"{saml_idp.base_url}/sso/redirect?")
    assert "SAMLRequest" in parse_qs(urlsplit(location).query)
    pending = session.execute(sa.select(SamlOutstandingRequest)).scalars().all()
    assert [p.next_path for p in pending] == ["/me"]


def test_each_role_lands_on_its_home(saml_app: Any, saml_idp: Any, campus_people: Any) -> None:
    for user, home in (("alice", "/student"), ("bob", "/advisor"), ("carol", "/registrar")):
        client = saml_app.test_client()
        post = saml_idp.sign_in(start(client), user)
        assert post.action == f"{PUBLIC_URL}/saml/acs"
        response = client.post("/saml/acs", data=post.form())
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"] == home
        assert client.get(home).status_code == 200


def test_next_path_is_kept_and_refreshes_name(saml_app: Any, saml_idp: Any, campus_people: Any, session: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client, "/me"), "alice")
    response = client.post("/saml/acs", data=post.form())
    assert response.headers["Location"] == "/me"
    alice = campus_people["alice"]
    session.refresh(alice)
    assert alice.display_name == "Alice Student"
    assert alice.sso_subject == f"saml:{saml_idp.entity_id}|alice@example.edu"


def test_open_redirect_next_is_ignored(saml_app: Any, saml_idp: Any, campus_people: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client, "//evil.example.com/x"), "alice")
    assert client.post("/saml/acs", data=post.form()).headers["Location"] == "/student"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_relay_state_lands_home(saml_app: Any, saml_idp: Any, campus_people: Any, target: str) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client, query(target)), "alice")
    response = client.post("/saml/acs", data=post.form())
    assert response.status_code == 302 and response.headers["Location"] == "/student"


def test_encrypted_assertion_is_accepted(saml_app: Any, saml_idp: Any, campus_people: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="encrypted")
    assert "EncryptedAssertion" in post.xml
    response = client.post("/saml/acs", data=post.form())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/student"


@pytest.fixture()
def refused(caplog: Any) -> Any:
    """Post `post` to the ACS; assert it is refused for `reason` (as logged) and nobody is signed in."""

    def check(client: Any, post: Any, reason: str | tuple[str, ...]) -> str:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="careercenter.sso.saml"):
            response = client.post("/saml/acs", data=post.form())
        assert response.status_code == 400, response.status_code
        logged = " ".join(r.getMessage() for r in caplog.records if "refused" in r.getMessage())
        reasons = (reason,) if isinstance(reason, str) else reason
        assert any(r in logged for r in reasons), logged
        assert client.get("/me").status_code == 302  # not signed in
        return response.get_data(as_text=True)

    return check


def test_unsigned_response_is_refused(saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="unsigned")
    assert "Signature" not in post.xml
    assert "could not be accepted" in refused(client, post, "No Signature found")


def test_tampered_response_is_refused(saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "mallory")
    # Mallory turns her signed assertion into Alice's: the campus id and mail change.
    xml = post.xml.replace("S6666", "S1001").replace("mallory@example.edu", "alice@example.edu")
    refused(client, post.with_xml(xml), "Signature validation failed")


def test_tampered_encrypted_assertion_is_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any
) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="encrypted")
    # The last CipherValue is the assertion's (the first wraps the session key).
    match = list(re.finditer(r"<(?:\w+:)?CipherValue>([^<]+)<", post.xml))[-1]
    at = match.start(1) + len(match.group(1)) // 2
    flipped = "A" if post.xml[at] != "A" else "B"
    xml = post.xml[:at] + flipped + post.xml[at + 1 :]
    # Garbled ciphertext fails decryption (or, were it to decrypt, the signature check).
    refused(client, post.with_xml(xml), ("failed to decrypt", "Signature validation failed"))


def test_replayed_response_is_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, session: Any, refused: Any
) -> None:
    first = saml_app.test_client()
    post = saml_idp.sign_in(start(first), "alice")
    assert first.post("/saml/acs", data=post.form()).status_code == 302
    # Same response, another browser: the request it answers is used up.
    assert "already used" in refused(saml_app.test_client(), post, "unknown InResponseTo")
    # Even were the outstanding request still there (a race), the assertion id is spent.
    irt = post.xml.split('InResponseTo="', 1)[1].split('"', 1)[0]
    session.add(SamlOutstandingRequest(request_id=irt, expires_at=utcnow() + timedelta(minutes=5)))
    session.commit()
    assert session.execute(sa.select(sa.func.count()).select_from(SamlConsumedAssertion)).scalar() == 1
    assert "already used" in refused(saml_app.test_client(), post, "replayed assertion")


def test_response_signed_by_another_key_is_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any
) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="other_key")
    assert f'Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{saml_idp.entity_id}<' in post.xml
    refused(client, post, "Signature validation failed")


def test_response_for_another_sp_is_refused(saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="other_sp")
    assert "https://other-sp.example.edu/shibboleth" in post.xml
    refused(client, post, "is not a valid audience")


def test_response_for_another_destination_is_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any
) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="wrong_destination")
    refused(client, post, "instead of http://careers.test/saml/other-acs")


def test_destination_is_compared_exactly(saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="destination_suffix")
    assert 'Destination="http://careers.test/saml/acs-evil"' in post.xml
    refused(client, post, "Destination 'http://careers.test/saml/acs-evil'")


def test_sha1_signature_is_refused(saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice", mode="sha1")
    assert "rsa-sha1" in post.xml
    refused(client, post, "Deprecated signature algorithm")


def test_expired_response_is_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, monkeypatch: Any, refused: Any
) -> None:
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    real_now = OneLogin_Saml2_Utils.now
    # The assertion lives 5 minutes, python3-saml allows 5 minutes of clock drift: 11 minutes on.
    monkeypatch.setattr(OneLogin_Saml2_Utils, "now", staticmethod(lambda: real_now() + 11 * 60))
    refused(client, post, "expired")


def test_unsolicited_and_unknown_responses_are_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, refused: Any
) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    irt = post.xml.split('InResponseTo="', 1)[1].split('"', 1)[0]
    refused(client, post.with_xml(post.xml.replace(f' InResponseTo="{irt}"', "", 1)), "unsolicited response")
    refused(client, post.with_xml(post.xml.replace(irt, "_nobody_asked_for_this")), "unknown InResponseTo")


def test_outstanding_request_expires(
    saml_app: Any, saml_idp: Any, campus_people: Any, session: Any, refused: Any
) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    session.execute(sa.update(SamlOutstandingRequest).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    refused(client, post, "outstanding request expired")


def test_garbage_is_refused(saml_app: Any, refused: Any) -> None:
    from tests.peers.saml_idp import SamlPost

    client = saml_app.test_client()
    assert client.post("/saml/acs", data={}).status_code == 400
    refused(client, SamlPost("", "%%%not base64", None), "not a SAML response")
    refused(client, SamlPost("", "PGZvbz48L2Zvbz4=", None), "not a SAML response")
    bomb = (
        '<!DOCTYPE x [<!ENTITY a "aaaa">]>'
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>'
    )
    refused(client, SamlPost("", "", None).with_xml(bomb), "not a SAML response")


def test_someone_with_no_mapped_role_is_refused(saml_app: Any, saml_idp: Any, campus_people: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "mallory")  # an affiliate: no role here
    response = client.post("/saml/acs", data=post.form())
    assert response.status_code == 403
    assert "nothing there gives you access" in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_new_student_is_added_from_released_attributes(saml_app: Any, saml_idp: Any, session: Any) -> None:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "dave")
    assert client.post("/saml/acs", data=post.form()).headers["Location"] == "/student"
    dave = session.execute(sa.select(Person).where(Person.campus_id == "S1004")).scalar_one()
    assert (dave.email, dave.display_name, dave.roles) == ("dave@example.edu", "Dave Newcomer", {Role.STUDENT})


def test_deactivated_person_is_refused(saml_app: Any, saml_idp: Any, campus_people: Any, session: Any) -> None:
    campus_people["alice"].is_active = False
    session.commit()
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    response = client.post("/saml/acs", data=post.form())
    assert response.status_code == 403
    assert "account is closed" in response.get_data(as_text=True)


def _signed_in(saml_app: Any, saml_idp: Any) -> Any:
    client = saml_app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    assert client.post("/saml/acs", data=post.form()).status_code == 302
    return client


def _local(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, url
    return f"{parts.path}?{parts.query}"


def test_single_logout_through_the_idp(saml_app: Any, saml_idp: Any, campus_people: Any) -> None:
    client = _signed_in(saml_app, saml_idp)
    response = client.post("/logout")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{saml_idp.base_url}/slo/redirect?")
    query = parse_qs(urlsplit(location).query)
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] and query["Signature"]
    assert client.get("/me").status_code == 302  # the local session ended at once
    back = saml_idp.logout(location)
    answer = client.get(_local(back))
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    # The IdP's origin may receive the logout redirect after a form POST (CSP form-action).
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {saml_idp.base_url};" in csp


def test_unsigned_or_tampered_logout_answer_is_refused(
    saml_app: Any, saml_idp: Any, campus_people: Any, caplog: Any
) -> None:
    client = _signed_in(saml_app, saml_idp)
    back = saml_idp.logout(client.post("/logout").headers["Location"], mode="unsigned")
    assert "Signature=" not in back
    with caplog.at_level(logging.INFO, logger="careercenter.sso.saml"):
        assert client.get(_local(back)).status_code == 400
    assert "unsigned SLO message" in caplog.text
    client = _signed_in(saml_app, saml_idp)
    back = saml_idp.logout(client.post("/logout").headers["Location"])
    tampered = back.replace("RelayState=", "RelayState=x", 1) if "RelayState=" in back else back + "&RelayState=x"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="careercenter.sso.saml"):
        assert client.get(_local(tampered)).status_code == 400
    assert "signature" in caplog.text.lower()


def test_metadata_from_a_url_and_idp_down(
    make_app: Any, saml_idp: Any, saml_sp_keys: Any, campus_people: Any, session: Any
) -> None:
    from tests.sso_saml.conftest import saml_config

    app = make_app(**saml_config(saml_idp, saml_sp_keys, SAML_IDP_METADATA=saml_idp.metadata_url))
    client = app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    assert client.post("/saml/acs", data=post.form()).headers["Location"] == "/student"
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {saml_idp.base_url};" in csp
    down = make_app(**saml_config(saml_idp, saml_sp_keys, SAML_IDP_METADATA="http://127.0.0.1:9/idp/metadata"))
    response = down.test_client().get("/saml/login")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_idp_initiated_logout_ends_the_session(saml_app: Any, saml_idp: Any, campus_people: Any, caplog: Any) -> None:
    client = _signed_in(saml_app, saml_idp)
    with client.session_transaction() as flask_session:
        logout = flask_session["saml_logout"]
    url = saml_idp.logout_request_url(f"{PUBLIC_URL}/saml/metadata", logout["name_id"], logout["session_index"])
    # Unsigned: refused, the session stays.
    unsigned = saml_idp.logout_request_url(
        f"{PUBLIC_URL}/saml/metadata", logout["name_id"], logout["session_index"], mode="unsigned"
    )
    with caplog.at_level(logging.INFO, logger="careercenter.sso.saml"):
        assert client.get(_local(unsigned)).status_code == 400
    assert "unsigned SLO message" in caplog.text
    assert client.get("/me").status_code == 200
    # Signed: the session ends and the browser goes back to the IdP with our LogoutResponse.
    response = client.get(_local(url))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{saml_idp.base_url}/slo/redirect?SAMLResponse=")
    assert client.get("/me").status_code == 302


def test_an_assertion_without_audience_is_refused(saml_app: Any) -> None:
    """python3-saml accepts an assertion with no AudienceRestriction at all; we do not."""
    from careercenter.sso import saml
    from careercenter.sso.errors import SignInFailed

    acs = f"{PUBLIC_URL}/saml/acs"
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Destination="{acs}"><saml:Assertion>'
        f'<saml:Subject><saml:SubjectConfirmation><saml:SubjectConfirmationData Recipient="{acs}"/>'
        "</saml:SubjectConfirmation></saml:Subject></saml:Assertion></samlp:Response>"
    )
    with saml_app.app_context():
        settings = saml_app.extensions["careercenter_saml"]
        with pytest.raises(SignInFailed, match="issued for another service"):
            saml._exact_checks(xml, settings)
        with_audience = xml.replace(
            "</saml:Subject>",
            "</saml:Subject><saml:Conditions><saml:AudienceRestriction><saml:Audience>"
            f"{settings.sp_entity_id}</saml:Audience></saml:AudienceRestriction></saml:Conditions>",
        )
        saml._exact_checks(with_audience, settings)


def test_over_https_the_answer_must_come_back_to_the_browser_that_asked(
    make_app: Any, saml_idp: Any, saml_sp_keys: Any, campus_people: Any, refused: Any
) -> None:
    from tests.sso_saml.conftest import saml_config

    https = "https://careers.test"
    app = make_app(**saml_config(saml_idp, saml_sp_keys, PUBLIC_URL=https))
    _register(app, saml_idp)
    attacker = app.test_client()
    response = attacker.get("/saml/login", base_url=https)
    cookie = response.headers["Set-Cookie"]
    assert "careercenter_saml_binding=" in cookie
    assert all(part in cookie for part in ("Secure", "HttpOnly", "SameSite=None", "Path=/saml/"))
    post = saml_idp.sign_in(response.headers["Location"], "mallory")
    assert post.action == f"{https}/saml/acs"
    # Login CSRF: the attacker's own valid response, posted from the victim's browser.
    assert "another browser" in refused(app.test_client(), post, "browser binding mismatch")
    # The browser that asked gets in (and the binding cookie is cleared).
    alice = app.test_client()
    response = alice.get("/saml/login", base_url=https)
    post = saml_idp.sign_in(response.headers["Location"], "alice")
    answer = alice.post("/saml/acs", data=post.form(), base_url=https)
    assert answer.status_code == 302 and answer.headers["Location"] == "/student"
    assert any(c.startswith("careercenter_saml_binding=;") for c in answer.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "body",
    [b"<a>" * 100_000, b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'", b"<a>\xff\xfe</a>", b""],
    ids=["deep", "truncated", "not-utf8", "empty"],
)
def test_unreadable_saml_response_is_refused(saml_app: Any, saml_idp: Any, body: bytes) -> None:
    """Issue 16 item 4: the ACS reads XML; no body makes a 500 (as a field, and as the raw body)."""
    import base64

    client = saml_app.test_client()
    start(client)
    response = client.post("/saml/acs", data={"SAMLResponse": base64.b64encode(body).decode(), "RelayState": "x"})
    assert 400 <= response.status_code < 500, response.status_code
    assert response.mimetype == "text/html"
    raw = client.post("/saml/acs", data=body, content_type="application/x-www-form-urlencoded")
    assert 400 <= raw.status_code < 500, raw.status_code
