"""Issue 16 items 3 and 7 on the registrar API: `sis_reference` is one line of plain text (422
problem naming the field otherwise); a note may be any text the document allows; an empty
`cursor=` is the first page; a 405 names the allowed methods."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.credits.models import AwardStatus


@pytest.mark.parametrize("reference", ["SIS-1\r\nX-Injected: 1", "SIS\t1", "SIS-\u202e1", "SIS\x00"])
def test_sis_reference_with_control_characters_is_422(
    client: Any, make_award: Any, make_student: Any, bearer: Any, reference: str
) -> None:
    award = make_award(make_student())
    response = client.post(
        f"/api/v1/credit-awards/{award.id}/posting",
        json={"status": "posted", "sis_reference": reference},
        headers=bearer(),
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    params = {p["name"]: p["reason"] for p in response.get_json()["invalid-params"]}
    assert "one line of plain text" in params["sis_reference"]


def test_whitespace_only_note_on_a_posting_is_accepted(
    client: Any, make_award: Any, make_student: Any, bearer: Any
) -> None:
    award = make_award(make_student())
    response = client.post(
        f"/api/v1/credit-awards/{award.id}/posting",
        json={"status": "posted", "sis_reference": "SIS-77", "note": " \u2003 \n"},
        headers=bearer(),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == AwardStatus.POSTED.value


def test_empty_cursor_is_the_first_page(client: Any, make_award: Any, make_student: Any, bearer: Any) -> None:
    make_award(make_student())
    headers = bearer()
    first = client.get("/api/v1/credit-awards", headers=headers).get_json()
    empty = client.get("/api/v1/credit-awards?cursor=", headers=headers)
    assert empty.status_code == 200 and empty.get_json()["data"] == first["data"]


def test_405_names_the_allowed_methods(client: Any, bearer: Any) -> None:
    response = client.delete("/api/v1/credit-awards", headers=bearer())
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    page = client.put("/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
