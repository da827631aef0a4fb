"""A real CAS 3.0 server for tests: django-mama-cas in a one-file Django project, run as its own
process on 127.0.0.1 (``python -m tests.peers.cas_server CONFIG``).

The test side (:class:`CasServer`) starts it with test users and the attributes released for
each, and signs people in without a browser (:meth:`CasServer.sign_in` posts the login form and
returns the service URL with the ticket the server redirects to).

mama-cas matches a service URL on scheme, host and path (the query is ignored); any service
under the registered pattern may ask for a ticket, so a ticket for another path of the same
host exists to test "wrong service".
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from tests.peers.process import PeerProcess

PASSWORD = "secret"


class CasServerError(RuntimeError):
    """The CAS process failed to start, died, or did not issue a ticket."""


class CasServer:
    """A mama-cas process. ``users`` maps a username to the attributes released for it.

    ``service_pattern`` is the regular expression of services allowed to ask for tickets.
    """

    def __init__(
        self,
        users: Mapping[str, Mapping[str, Any]],
        *,
        service_pattern: str = r"^https?://careers\.test/",
        startup_timeout: float = 30.0,
    ) -> None:
        self.users = {k: dict(v) for k, v in users.items()}
        self.service_pattern = service_pattern
        self.startup_timeout = startup_timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="cas-server-"))
        self.base_url: str | None = None
        self.port: int | None = None
        self._process = PeerProcess("tests.peers.cas_server", "CAS server", CasServerError, startup_timeout)

    @property
    def url(self) -> str:
        """The CAS server URL (what CAREERCENTER_CAS_SERVER_URL names)."""
        assert self.base_url
        return f"{self.base_url}/cas"

    def start(self, port: int = 0) -> CasServer:
        config = {
            "users": self.users,
            "password": PASSWORD,
            "service_pattern": self.service_pattern,
            "database": str(self.tmp / "cas.sqlite3"),
            "secret_key": secrets.token_urlsafe(32),
            "port": port,
        }
        self.base_url = self._process.start(config, self.tmp)
        self.port = urlsplit(self.base_url).port
        return self

    def close(self) -> None:
        self._process.close()

    @property
    def stderr(self) -> str:
        return self._process.stderr

    def sign_in(self, login_url: str, user: str, *, password: str = PASSWORD) -> str:
        """Open the CAS login page at ``login_url``, sign in; return where CAS redirects (with ticket)."""
        with requests.Session() as browser:
            page = browser.get(login_url, timeout=10)
            if page.status_code != 200:
                raise CasServerError(f"CAS login page answered {page.status_code}")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if token is None:
                raise CasServerError("no CSRF token on the CAS login page")
            response = browser.post(
                login_url,
                data={"csrfmiddlewaretoken": token.group(1), "username": user, "password": password},
                headers={"Referer": login_url},
                allow_redirects=False,
                timeout=10,
            )
        if response.status_code != 302:
            raise CasServerError(f"CAS login did not redirect ({response.status_code})")
        return response.headers["Location"]

    def ticket_for(self, service: str, user: str) -> str:
        """A service ticket issued to ``user`` for ``service`` (any URL the pattern allows)."""
        location = self.sign_in(f"{self.url}/login?{urlencode({'service': service})}", user)
        match = re.search(r"[?&]ticket=([^&]+)", location)
        if match is None:
            raise CasServerError(f"no ticket in {location}")
        return match.group(1)


# -- the CAS process --------------------------------------------------------------------------

#: Filled in the CAS process from the config file: username -> released attributes.
RELEASED: dict[str, dict[str, Any]] = {}


def release_attributes(user: Any, service: str) -> dict[str, Any]:  # pragma: no cover - CAS process
    """mama-cas attribute callback: what the test directory releases for ``user``."""
    return dict(RELEASED.get(user.get_username(), {}))


def _serve(config_path: str) -> None:  # pragma: no cover - runs in the CAS process
    import logging
    import warnings
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)
    conf = json.loads(Path(config_path).read_text())
    RELEASED.update(conf["users"])

    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY=conf["secret_key"],
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        USE_TZ=True,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "mama_cas",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": conf["database"]}},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        MAMA_CAS_SERVICES=[
            {
                "SERVICE": conf["service_pattern"],
                "CALLBACKS": ["tests.peers.cas_server.release_attributes"],
                "LOGOUT_ALLOW": True,
            }
        ],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # test users only: fast
    )
    django.setup()

    # The callback is looked up by its dotted name: make that module this one.
    sys.modules["tests.peers.cas_server"] = sys.modules[__name__]

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    global urlpatterns
    urlpatterns = [path("cas/", include("mama_cas.urls"))]

    call_command("migrate", verbosity=0, interactive=False)
    users = get_user_model()
    for name, attrs in conf["users"].items():
        if not users.objects.filter(username=name).exists():
            users.objects.create_user(name, attrs.get("mail", ""), conf["password"])

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = make_server("127.0.0.1", int(conf.get("port") or 0), get_wsgi_application(), handler_class=Quiet)
    print(f"READY http://127.0.0.1:{httpd.server_port}", flush=True)
    httpd.serve_forever()


urlpatterns: list[Any] = []

if __name__ == "__main__":  # pragma: no cover
    _serve(sys.argv[1])
