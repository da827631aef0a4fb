"""A real SMTP server for tests: ``aiosmtpd`` on 127.0.0.1 that keeps every message it accepts.

Modes, switchable while running: ``temporary_failure`` answers ``451`` to every RCPT (so
``smtplib`` raises ``SMTPRecipientsRefused``); ``credentials=(user, password)`` advertises
AUTH LOGIN/PLAIN without TLS and refuses MAIL FROM with ``530`` until the client
authenticated; addresses in ``refused_recipients`` get a permanent ``550`` at RCPT.
``stop()`` closes the port ("SMTP down"); ``start()`` reopens the same port.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"
AUTH_REQUIRED = "530 5.7.0 Authentication required"
MAILBOX_UNAVAILABLE = "550 5.1.1 Mailbox unavailable"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMessage:
    """One accepted message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    auth_user: str | None = None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def text(self) -> str:
        """The text/plain body (or the first text part)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


class _Session(Session):
    """Session whose legacy ``login_data`` does not log a deprecation line on every AUTH."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _SMTP(SMTP):
    def _create_session(self) -> Session:
        return _Session(self.loop)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.server.credentials is not None and not session.authenticated:
            return AUTH_REQUIRED
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.server.temporary_failure:
            return TEMPORARY_FAILURE
        if address.lower() in self.server.refused_recipients:
            return MAILBOX_UNAVAILABLE
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.server.temporary_failure:
            return TEMPORARY_FAILURE
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        self.server._record(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=parsed,
                raw=raw,
                auth_user=login.decode() if isinstance(login, bytes) else None,
            )
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd Controller wrapper with a thread-safe list of received messages."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        credentials: tuple[str, str] | None = None,
        temporary_failure: bool = False,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.credentials = credentials
        self.temporary_failure = temporary_failure
        self._initial_modes = (credentials, temporary_failure)
        #: Recipients (lower case) refused with a permanent 550 at RCPT.
        self.refused_recipients: set[str] = set()
        self._messages: list[ReceivedMessage] = []
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        """Listen (on the same port as before after a stop)."""
        if self._controller is not None:
            return self
        # auth_required stays False (aiosmtpd warns when it is True without TLS): handle_MAIL
        # enforces authentication instead when credentials are set.
        controller = _Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            auth_required=False,
            ready_timeout=5.0,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Close the port; messages received so far are kept."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @contextmanager
    def outage(self) -> Iterator[None]:
        """``with smtp.outage():`` the port is closed inside the block, open again after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            self.credentials is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login, auth_data.password) == tuple(s.encode("utf-8") for s in self.credentials)
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def _record(self, message: ReceivedMessage) -> None:
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A copy of the messages received so far, oldest first."""
        with self._cond:
            return list(self._messages)

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._cond:
            self._messages.clear()

    def reset(self) -> None:
        """Forget messages and put ``credentials``/``temporary_failure`` back as constructed."""
        self.clear()
        self.credentials, self.temporary_failure = self._initial_modes
        self.refused_recipients = set()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Wait until at least ``count`` messages arrived; return them (raises on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._messages)} of {count} messages after {timeout}s")
                self._cond.wait(remaining)
            return list(self._messages)
