"""CAS 3.0 sign-in against a real django-mama-cas server: success and every refusal."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from careercenter.sso.cas_models import CasConsumedTicket
from tests.hostile_next import HOSTILE_NEXT, query
from tests.sso_cas.conftest import SERVICE_URL, callback_path


def _login_location(client: Any, next_path: str | None = None) -> str:
    response = client.get("/cas/login" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302
    return response.headers["Location"]


def test_login_redirects_with_the_fixed_service_url(cas_app: Any, cas_server: Any) -> None:
    location = _login_location(cas_app.test_client(), "/me?x=1")
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{cas_server.url}/login"
    # The service is exactly the configured URL: no `next` in it.
    assert parse_qs(parts.query) == {"service": [SERVICE_URL]}


def test_each_role_lands_on_its_home(cas_app: Any, cas_server: Any, cas_people: Any) -> None:
    for user, home in (("alice", "/student"), ("bob", "/advisor"), ("carol", "/registrar")):
        client = cas_app.test_client()
        back = cas_server.sign_in(_login_location(client), user)
        response = client.get(callback_path(back))
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"] == home
        assert client.get(home).status_code == 200


def test_attributes_refresh_the_person(cas_app: Any, cas_server: Any, cas_people: Any, session: Any) -> None:
    client = cas_app.test_client()
    back = cas_server.sign_in(_login_location(client, "/me"), "alice")
    assert client.get(callback_path(back)).headers["Location"] == "/me"
    alice = cas_people["alice"]
    session.refresh(alice)
    assert alice.display_name == "Alice Student"
    assert alice.sso_subject == f"cas:{cas_server.url}|alice"


def test_next_must_be_a_local_path(cas_app: Any, cas_server: Any, cas_people: Any) -> None:
    for evil in ("//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"):
        client = cas_app.test_client()
        back = cas_server.sign_in(_login_location(client, evil), "alice")
        assert client.get(callback_path(back)).headers["Location"] == "/student"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_lands_home(cas_app: Any, cas_server: Any, cas_people: Any, target: str) -> None:
    client = cas_app.test_client()
    back = cas_server.sign_in(_login_location(client, query(target)), "alice")
    response = client.get(callback_path(back))
    assert response.status_code == 302 and response.headers["Location"] == "/student"


def _started(app: Any) -> Any:
    """A browser that has been through /cas/login (as any real callback has)."""
    client = app.test_client()
    assert client.get("/cas/login").status_code == 302
    return client


@pytest.fixture()
def refused(caplog: Any) -> Any:
    def check(client: Any, path: str, reason: str, status: int = 400) -> str:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="careercenter.sso.cas"):
            response = client.get(path)
        assert response.status_code == status, response.get_data(as_text=True)
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert reason in logged, logged
        assert client.get("/me").status_code == 302  # not signed in
        return response.get_data(as_text=True)

    return check


def test_reused_ticket_is_refused(cas_app: Any, cas_server: Any, cas_people: Any, session: Any, refused: Any) -> None:
    first = cas_app.test_client()
    path = callback_path(cas_server.sign_in(_login_location(first), "alice"))
    assert first.get(path).status_code == 302
    refused(_started(cas_app), path, "ticket seen before")
    # Even without our own record of it, the CAS server refuses a second validation.
    session.execute(sa.delete(CasConsumedTicket))
    session.commit()
    assert "INVALID_TICKET" in refused(_started(cas_app), path, "INVALID_TICKET: service ticket ST-… has")


def test_ticket_for_another_service_is_refused(cas_app: Any, cas_server: Any, cas_people: Any, refused: Any) -> None:
    ticket = cas_server.ticket_for("http://careers.test/elsewhere/callback", "alice")
    refused(_started(cas_app), f"/cas/callback?ticket={ticket}", "INVALID_SERVICE")


def test_forged_ticket_is_refused(cas_app: Any, cas_people: Any, refused: Any) -> None:
    refused(_started(cas_app), "/cas/callback?ticket=ST-1700000000-forgedforgedforgedforgedforged00", "INVALID_TICKET")


def test_malformed_or_missing_ticket_is_refused_without_asking(cas_app: Any, refused: Any) -> None:
    refused(_started(cas_app), "/cas/callback", "malformed or missing ticket")
    refused(_started(cas_app), "/cas/callback?ticket=PGT-123", "malformed or missing ticket")
    refused(_started(cas_app), "/cas/callback?ticket=ST-<script>", "malformed or missing ticket")


def test_someone_with_no_mapped_role_is_refused(cas_app: Any, cas_server: Any, cas_people: Any) -> None:
    client = cas_app.test_client()
    response = client.get(callback_path(cas_server.sign_in(_login_location(client), "nobody")))
    assert response.status_code == 403
    assert "nothing there gives you access" in response.get_data(as_text=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_server_down_is_a_clear_503(make_app: Any, session: Any) -> None:
    app = make_app(PUBLIC_URL="http://careers.test", CAS_SERVER_URL=f"http://127.0.0.1:{_free_port()}/cas")
    response = _started(app).get("/cas/callback?ticket=ST-1-abcdefabcdef")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


@pytest.fixture()
def silent_server() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


def test_validation_times_out(make_app: Any, session: Any, silent_server: int) -> None:
    app = make_app(
        PUBLIC_URL="http://careers.test", CAS_SERVER_URL=f"http://127.0.0.1:{silent_server}/cas", CAS_TIMEOUT=1
    )
    response = _started(app).get("/cas/callback?ticket=ST-1-abcdefabcdef")
    assert response.status_code == 503


def test_refused_ticket_is_remembered(cas_app: Any, cas_people: Any, session: Any) -> None:
    ticket = "ST-1700000000-forgedforgedforgedforgedforged01"
    assert _started(cas_app).get(f"/cas/callback?ticket={ticket}").status_code == 400
    assert session.execute(sa.select(sa.func.count()).select_from(CasConsumedTicket)).scalar() == 1


def test_ticket_link_in_a_browser_that_did_not_start_is_refused(
    cas_app: Any, cas_server: Any, cas_people: Any, refused: Any
) -> None:
    # Login CSRF: the attacker's own valid ticket, opened in the victim's browser.
    attacker = cas_app.test_client()
    path = callback_path(cas_server.sign_in(_login_location(attacker), "bob"))
    refused(cas_app.test_client(), path, "callback without /cas/login")
    # The browser that started can still use it: the refusal did not consume the ticket.
    assert attacker.get(path).headers["Location"] == "/advisor"
