"""Issue 16 item 1: a session ends on the server. A copy of the cookie taken before sign-out,
"Sign out everywhere" or a deactivation opens nothing afterwards; `/me` lists open sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from careercenter.audit.service import Actor
from careercenter.sso.models import Role
from careercenter.sso.sessions import WebSession, deactivate_person


def _copy(client: FlaskClient, app: Any) -> FlaskClient:
    """A second browser holding a byte-for-byte copy of `client`'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("careercenter_session")
    assert cookie is not None
    thief.set_cookie("careercenter_session", cookie.value)
    return thief


def test_logout_ends_the_session_for_a_copied_cookie(app: Any, client: Any, make_student: Any, login: Any) -> None:
    student = make_student()
    login(student)
    thief = _copy(client, app)
    assert thief.get("/student").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = thief.get("/student")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")
    created = thief.post("/experiences/new", data={"employer": "Replay Inc"})
    assert created.status_code == 302 and created.headers["Location"].startswith("/login")


def test_sign_out_everywhere_ends_every_session(
    app: Any, client: Any, session: Any, make_student: Any, login: Any
) -> None:
    student = make_student()
    other_browser = login(student, app.test_client())
    login(student)
    page = client.get("/me", headers={"User-Agent": "Probe/1.0"}).get_data(as_text=True)
    assert "Where you are signed in" in page and "Sign out everywhere" in page
    assert page.count("<td>dev") == 2
    response = client.post("/me/sessions/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert other_browser.get("/student").status_code == 302
    assert client.get("/student").status_code == 302
    open_rows = session.execute(
        sa.select(sa.func.count()).where(WebSession.person_id == student.id, WebSession.ended_at.is_(None))
    ).scalar_one()
    assert open_rows == 0


def test_me_lists_method_times_and_user_agent(app: Any, session: Any, make_student: Any) -> None:
    student = make_student()
    browser = app.test_client()
    browser.post("/dev/login", data={"person_id": student.id}, headers={"User-Agent": "Firefox/140 test"})
    page = browser.get("/me").get_data(as_text=True)
    assert "Firefox/140 test" in page and "(this browser)" in page and "UTC" in page


def test_deactivation_ends_every_session(app: Any, client: Any, session: Any, make_student: Any, login: Any) -> None:
    student = make_student()
    login(student)
    assert client.get("/student").status_code == 200
    assert deactivate_person(session, student, Actor.system("test"), "left the university") == 1
    session.flush()
    assert client.get("/student").status_code == 302


def test_admin_deactivates_a_person(app: Any, client: Any, make_person: Any, make_student: Any, login: Any) -> None:
    student = make_student()
    victim_browser = login(student, app.test_client())
    login(make_person(Role.ADMIN, program=None, class_level=None))
    response = client.post("/admin/people/deactivate", data={"campus_id": student.campus_id})
    assert response.status_code == 302
    assert "session(s) ended" in client.get("/admin").get_data(as_text=True)
    assert victim_browser.get("/student").status_code == 302
    unknown = client.post("/admin/people/deactivate", data={"campus_id": "nobody"})
    assert unknown.status_code == 422 and "No person has that campus ID." in unknown.get_data(as_text=True)
    empty = client.post("/admin/people/deactivate", data={"campus_id": ""}).get_data(as_text=True)
    assert "<title>Error: " in empty and 'href="#deactivate-campus-id"' in empty


def test_last_seen_is_written_at_most_once_a_minute(client: Any, session: Any, make_student: Any, login: Any) -> None:
    student = make_student()
    login(student)
    row = session.execute(sa.select(WebSession).where(WebSession.person_id == student.id)).scalar_one()
    first = row.last_seen_at
    client.get("/student")
    session.refresh(row)
    assert row.last_seen_at == first
    row.last_seen_at = first - timedelta(minutes=2)
    session.flush()
    client.get("/student")
    session.refresh(row)
    assert row.last_seen_at > first - timedelta(minutes=2)


def test_a_forged_or_old_style_cookie_is_not_signed_in(client: Any, make_student: Any) -> None:
    student = make_student()
    with client.session_transaction() as sess:
        sess.update({"pid": student.id, "auth_at": 9e9, "seen_at": 9e9})
    assert client.get("/student").status_code == 302
    with client.session_transaction() as sess:
        sess.update({"sid": "made-up", "pid": student.id, "auth_at": 9e9, "seen_at": 9e9})
    assert client.get("/student").status_code == 302


def test_a_read_request_notes_its_session_beside_another_writer(committed_db: Any) -> None:
    """A page and its stylesheet, both the first requests of a minute, both note the session's
    use. On SQLite a read request's transaction that writes after another connection committed
    failed with "database is locked" (a 500, and the suite's e2e test on a busy machine); the
    note is its own short write transaction there. On PostgreSQL it stays in the request's."""
    from careercenter.db import utcnow
    from careercenter.extensions import db
    from careercenter.sso.models import Person
    from careercenter.sso.sessions import SEEN_RESOLUTION, find_open_session, start_session, touch

    app = committed_db
    with app.app_context():
        person = Person(campus_id="T-touch", email="touch@example.edu", display_name="Toni Touch", is_demo=True)
        person.set_roles({Role.STUDENT})
        db.session.add(person)
        db.session.flush()
        token = start_session(db.session, person, "dev", None)
        db.session.execute(sa.update(WebSession).values(last_seen_at=utcnow() - 2 * SEEN_RESOLUTION))
        db.session.commit()
        db.session.remove()

    with app.test_request_context("/student", method="GET"):
        web_session = find_open_session(db.session, token)  # the request's transaction: a reader
        assert web_session is not None
        with db.engine.connect() as other:  # meanwhile another request commits a write
            other.execute(sa.update(Person).where(Person.id == web_session.person_id).values(program="History"))
            other.commit()
        touch(web_session)
        db.session.commit()
        noted = web_session.last_seen_at
        db.session.remove()

    with app.app_context():
        stored = db.session.execute(sa.select(WebSession.last_seen_at)).scalar_one()
        assert stored == noted and utcnow() - stored < SEEN_RESOLUTION
        db.session.remove()


def test_a_sign_in_prunes_the_sessions_past_their_lifetime(
    app: Any, client: Any, session: Any, make_student: Any, login: Any
) -> None:
    """Sessions begun more than SESSION_ABSOLUTE_HOURS ago, open or ended, are deleted at the
    next sign-in (anyone's); younger ones stay, ended or not, and still work."""
    from careercenter.db import utcnow

    old, other = make_student(), make_student()
    keeper = login(old, app.test_client())
    for browser in (app.test_client(), app.test_client()):
        login(old, browser)
    stale = [row.id for row in session.execute(sa.select(WebSession).order_by(WebSession.id)).scalars()][1:]
    lifetime = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    session.execute(sa.update(WebSession).where(WebSession.id == stale[0]).values(ended_at=utcnow()))
    begun_too_long_ago = utcnow() - lifetime - timedelta(minutes=1)
    session.execute(sa.update(WebSession).where(WebSession.id.in_(stale)).values(started_at=begun_too_long_ago))
    ended_young = WebSession(
        person_id=old.id,
        token_hash="0" * 64,
        method="dev",
        started_at=utcnow() - lifetime + timedelta(minutes=5),
        last_seen_at=utcnow(),
        ended_at=utcnow(),
    )
    session.add(ended_young)
    session.commit()

    login(other)

    left = set(session.execute(sa.select(WebSession.person_id, WebSession.id)).all())
    assert not {pid for pid, sid in left if sid in stale}, "sessions past their lifetime were kept"
    assert (old.id, ended_young.id) in left
    assert len([pid for pid, _ in left if pid == old.id]) == 2 and len([pid for pid, _ in left if pid == other.id]) == 1
    assert keeper.get("/student").status_code == 200
