"""The public URL written into mail links, QR codes and PDFs.

Production requires `CAREERCENTER_PUBLIC_URL`. In development, unless it is set, the public URL
follows the address the server listens on: `make run PORT=5101` exports `FLASK_RUN_HOST` and
`FLASK_RUN_PORT` (read by `flask run` and by `flask seed-demo` alike), and the development server's
own address replaces it on the first request, so that `flask run --port 5101` works too.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from flask import Flask, current_app, request

#: Set when nobody chose the public URL: it then follows the server's address.
FOLLOWS_SERVER = "PUBLIC_URL_FOLLOWS_SERVER"
_ANY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104 (a listen address, not one we bind)


def _host(host: str) -> str:
    host = "127.0.0.1" if host in _ANY_ADDRESS else host
    return f"[{host}]" if ":" in host else host


def listen_url(host: str, port: str | int) -> str:
    """`http://host:port` for a listen address (any-address becomes 127.0.0.1)."""
    return f"http://{_host(host)}:{port}"


def finish_config(config: MutableMapping[str, Any]) -> None:
    """Fill PUBLIC_URL in development from the listen address when it was not set."""
    if config.get("PUBLIC_URL"):
        config["PUBLIC_URL"] = str(config["PUBLIC_URL"]).rstrip("/")
        config[FOLLOWS_SERVER] = False
        return
    if config.get("IS_PRODUCTION"):
        return  # check_config refuses to start without it
    config["PUBLIC_URL"] = listen_url(
        os.environ.get("FLASK_RUN_HOST") or "127.0.0.1", os.environ.get("FLASK_RUN_PORT") or "5000"
    )
    config[FOLLOWS_SERVER] = True


def _follow_server() -> None:
    app = current_app
    if not app.config.get(FOLLOWS_SERVER):
        return
    environ = request.environ
    if "werkzeug.socket" not in environ:  # only the development server says where it listens
        return
    app.config["PUBLIC_URL"] = listen_url(environ.get("SERVER_NAME", ""), environ.get("SERVER_PORT", "5000"))


def init_app(app: Flask) -> None:
    if app.config.get(FOLLOWS_SERVER):
        app.before_request(_follow_server)
