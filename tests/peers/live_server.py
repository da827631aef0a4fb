"""Serve a WSGI app on 127.0.0.1 from a background thread (werkzeug's threaded server)."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access log lines in test output."""


class LiveServer:
    """``LiveServer(app)`` serves at once (``autostart``); ``.url``, ``.stop()``, ``.start()``."""

    def __init__(self, wsgi_app: Any, *, host: str = "127.0.0.1", port: int = 0, autostart: bool = True) -> None:
        self.app = wsgi_app
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        if autostart:
            self.start()

    @property
    def url(self) -> str:
        """Base URL without a trailing slash."""
        if not self.port:
            raise RuntimeError("LiveServer has not been started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        """Bind (a free port the first time, the same port after a stop) and serve."""
        if self._server is not None:
            return self
        server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        server.daemon_threads = True
        self.port = server.server_port
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
