"""Issue 16 item 2: `next` never leaves the site (the one check, and the development login).

The other sign-in methods have the same parametrized test beside their own tests:
tests/sso/test_directory_login.py, tests/sso/test_oidc.py, tests/sso_saml/test_saml_login.py,
tests/sso_cas/test_cas_login.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.redirects import safe_next
from tests.hostile_next import HOSTILE_NEXT


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_targets_are_refused(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/me", "/student?tab=2", "/experiences/3#x", "/caf%C3%A9"])
def test_same_site_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_dev_login_lands_home_for_hostile_next(client: Any, make_student: Any, target: str) -> None:
    response = client.post("/dev/login", data={"person_id": make_student().id, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/student"


def test_dev_login_keeps_a_local_next(client: Any, make_student: Any) -> None:
    response = client.post("/dev/login", data={"person_id": make_student().id, "next": "/me"})
    assert response.headers["Location"] == "/me"
