"""The mark that makes a GET request's transaction a writer, and the suite's guard for it."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.db import intends_to_write
from careercenter.extensions import db
from careercenter.sso.models import Person
from careercenter.transaction import writes_on_read
from tests.write_guard import UnmarkedWrite


def _app_with_writing_pages(make_app: Any) -> Any:
    app = make_app()

    def write() -> str:
        person = Person(campus_id="T-guard", email="guard@example.edu", display_name="Gail Guard", is_demo=True)
        db.session.add(person)
        db.session.flush()
        return f"intends to write: {intends_to_write()}"

    app.add_url_rule("/_test/unmarked", "_test_unmarked", write)
    app.add_url_rule("/_test/marked", "_test_marked", writes_on_read(lambda: write()))
    return app


def test_an_unmarked_get_request_that_writes_fails_the_suite(
    committed_db: Any, make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The request fails (a 500 whatever the test expected), its write is undone, and the log
    names the view to mark."""
    app = _app_with_writing_pages(make_app)
    response = app.test_client().get("/_test/unmarked")
    assert response.status_code == 500
    raised = [r.exc_info[1] for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], UnmarkedWrite)]
    assert raised and "GET /_test/unmarked (_test_unmarked) wrote 'INSERT INTO people" in str(raised[0])
    with app.app_context():
        assert db.session.query(Person).filter_by(campus_id="T-guard").count() == 0
        db.session.remove()


def test_a_marked_get_request_begins_as_a_writer(committed_db: Any, make_app: Any) -> None:
    app = _app_with_writing_pages(make_app)
    response = app.test_client().get("/_test/marked")
    assert response.get_data(as_text=True) == "intends to write: True"
    with app.app_context():
        assert db.session.query(Person).filter_by(campus_id="T-guard").count() == 1
        db.session.remove()


@pytest.mark.parametrize(
    ("path", "method", "writes"),
    [
        ("/_test/marked", "GET", True),
        ("/_test/marked", "HEAD", True),
        ("/_test/marked", "OPTIONS", False),  # Flask answers it; the view never runs
        ("/_test/unmarked", "GET", False),
        ("/_test/unmarked", "HEAD", False),
        ("/_test/unmarked", "POST", True),  # (405, but a non-read method always intends to)
        ("/no/such/page", "GET", False),
    ],
)
def test_which_requests_intend_to_write(make_app: Any, path: str, method: str, writes: bool) -> None:
    app = _app_with_writing_pages(make_app)
    with app.test_request_context(path, method=method):
        assert intends_to_write() is writes
