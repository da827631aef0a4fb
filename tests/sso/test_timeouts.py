"""Every network call has a timeout: a peer that accepts the connection and then says nothing
must not hang a sign-in. (Nothing here measures time: the point is that the call returns.)"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from careercenter.sso.directory import Directory
from careercenter.sso.errors import DirectoryUnavailable
from careercenter.sso.settings import directory_settings
from tests.peers.ldap import CampusDirectory
from tests.sso.conftest import directory_config


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A port whose kernel accepts connections that nobody ever answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def test_a_silent_directory_times_out(campus: CampusDirectory, silent_port: int) -> None:
    settings = directory_settings(directory_config(campus, LDAP_URL=f"ldap://127.0.0.1:{silent_port}", LDAP_TIMEOUT=1))
    assert settings is not None
    with pytest.raises(DirectoryUnavailable):
        Directory(settings).find_person(username="maya")


def test_a_silent_provider_times_out(session: Any, make_app: Any, campus: CampusDirectory, silent_port: int) -> None:
    app = make_app(
        **directory_config(
            campus, OIDC_ISSUER=f"http://127.0.0.1:{silent_port}", OIDC_CLIENT_ID="careercenter", OIDC_TIMEOUT=1
        )
    )
    response = app.test_client().get("/login")
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)
