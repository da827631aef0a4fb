"""Issue 21 item 2: a test wallet (Node, Digital Bazaar's libraries, written from the VC API
exchanges and DID Authentication specs) drives `/exchanges/<id>` end to end over a live server;
the credential it receives is bound to its did:key and verifies with the reference
implementation. Replayed, expired, wrong-challenge and other-key presentations are refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from careercenter.credentials.models import IssuedCredential
from careercenter.credentials.wallet_models import ExchangeState, WalletExchange
from careercenter.extensions import db
from careercenter.sso.models import Person
from tests.credentials.reference import PROJECT, verify_with_reference
from tests.peers.live_server import LiveServer

WALLET = PROJECT / "tests" / "credentials" / "wallet.mjs"


def _start(server: LiveServer, app: Any, *, clr: bool = False) -> tuple[str, IssuedCredential]:
    """Maya signs in and starts an exchange on /me/credentials; return its URL and credential."""
    http = requests.Session()
    with app.app_context():
        maya = db.session.execute(sa.select(Person).where(Person.campus_id == "S1001")).scalar_one()
        maya_id = maya.id
        db.session.remove()
    assert http.post(f"{server.url}/dev/login", data={"person_id": maya_id}, allow_redirects=False).status_code == 302
    page = http.get(f"{server.url}/me/credentials").text
    if clr:
        action = "/me/credentials/clr/wallet"
    else:
        action = re.search(r'action="(/me/credentials/[0-9a-f-]{36}/wallet)"', page).group(1)
    started = http.post(f"{server.url}{action}")
    assert started.status_code == 201, started.text
    text = unescape(started.text)
    assert "<svg" in text and 'role="img"' in text  # the QR code
    link = re.search(r'href="(https://lcw\.app/request\?request=[^"]+)"', text).group(1)
    assert "vcapi" in requests.utils.unquote(link)
    url = re.search(r"<code>(http://127\.0\.0\.1:\d+/exchanges/[^<]+)</code>", text).group(1)
    with app.app_context():
        exchange = db.session.execute(
            sa.select(WalletExchange).where(WalletExchange.exchange_id == url.rsplit("/", 1)[-1])
        ).scalar_one()
        credential = exchange.credential
        db.session.expunge(credential)
        db.session.remove()
    return url, credential


def _wallet(url: str, *flags: str) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    assert node
    done = subprocess.run([node, str(WALLET), url, *flags], capture_output=True, text=True, timeout=60, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    return {line["step"]: line for line in map(json.loads, done.stdout.splitlines())}


@pytest.mark.parametrize("clr", [False, True], ids=["credential", "clr"])
def test_wallet_receives_a_credential_bound_to_its_did(demo_server: Any, clr: bool) -> None:
    app, server = demo_server
    url, record = _start(server, app, clr=clr)
    steps = _wallet(url, "--replay")
    request_ = steps["request"]["body"]["verifiablePresentationRequest"]
    assert request_["query"][0]["type"] == "DIDAuthentication"
    assert request_["domain"] == server.url.removeprefix("http://") and request_["challenge"]
    answer = steps["presentation"]
    assert answer["status"] == 200, answer["body"]
    (credential,) = answer["body"]["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == answer["holder"]
    assert credential["credentialStatus"] == record.document["credentialStatus"]  # one status per record
    assert credential["name"] == record.document["name"]
    (result,) = verify_with_reference(server.url, [credential])
    assert result["verified"] is True and result["revoked"] is False, result["error"]
    # A replayed presentation is refused; the exchange is finished.
    assert steps["replay"]["status"] == 409
    with app.app_context():
        row = db.session.execute(sa.select(WalletExchange)).scalar_one()
        assert row.state is ExchangeState.COMPLETED and row.holder_did == answer["holder"]
        db.session.remove()


@pytest.mark.parametrize("flag", ["--wrong-challenge", "--other-key"])
def test_bad_presentations_are_refused(demo_server: Any, flag: str) -> None:
    app, server = demo_server
    url, _ = _start(server, app)
    steps = _wallet(url, flag)
    assert steps["presentation"]["status"] == 400, steps["presentation"]["body"]
    detail = steps["presentation"]["body"]["detail"]
    assert ("challenge" in detail) if flag == "--wrong-challenge" else ("signature does not match" in detail)
    with app.app_context():
        row = db.session.execute(sa.select(WalletExchange)).scalar_one()
        assert row.state is ExchangeState.CHALLENGED and row.issued_document is None
        db.session.remove()


def test_expired_and_unknown_exchanges_are_refused(demo_server: Any) -> None:
    app, server = demo_server
    url, _ = _start(server, app)
    with app.app_context():
        row = db.session.execute(sa.select(WalletExchange)).scalar_one()
        row.expires_at -= timedelta(minutes=16)
        db.session.commit()
        db.session.remove()
    steps = _wallet(url)
    assert steps["request"]["status"] == 410 and "presentation" not in steps
    assert requests.post(f"{server.url}/exchanges/nope", json={}, timeout=5).status_code == 404
    assert requests.post(url, data="not json", timeout=5).status_code == 400
