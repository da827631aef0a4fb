"""The registrar staff page listing API clients: content, and in a real browser with axe."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.extensions import db
from careercenter.registrar import service
from careercenter.sso.models import Person, Role
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer


def test_lists_clients_without_secrets(
    client: Any, login: Any, make_person: Any, make_api_client: Any, session: Any
) -> None:
    active = make_api_client(name="Banner nightly sync")
    revoked = make_api_client("credits:read", name="Old loader")
    service.revoke_client(session, "Old loader")
    session.commit()
    login(make_person(Role.REGISTRAR))
    html = client.get("/registrar/api-clients").get_data(as_text=True)
    assert "Banner nightly sync" in html and active.client.client_id in html
    assert "Old loader" in html and "Revoked" in html and "Active" in html
    assert active.secret not in html and revoked.secret not in html
    assert active.client.secret_hash not in html


@pytest.mark.e2e
def test_page_in_a_browser_passes_axe(committed_db: Any, make_app: Any, page: Any) -> None:
    with committed_db.app_context():
        staff = Person(campus_id="R9", email="r9@example.edu", display_name="Karen Mbeki", is_demo=True)
        staff.set_roles({Role.REGISTRAR})
        db.session.add(staff)
        service.create_client(db.session, "Banner nightly sync", "credits:read credits:write")
        db.session.commit()
        db.session.remove()
    with LiveServer(make_app(WTF_CSRF_ENABLED=True)) as server:
        page.goto(f"{server.url}/dev/login")
        page.get_by_role("button", name="Sign in as Karen Mbeki").click()
        page.wait_for_load_state()
        page.get_by_role("link", name="API clients").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Registrar API clients").is_visible()
        row = page.get_by_role("row", name="Banner nightly sync")
        assert "credits:read credits:write" in row.inner_text() and "Active" in row.inner_text()
        check_accessibility(page)
