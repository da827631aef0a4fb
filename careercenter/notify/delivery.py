"""SMTP delivery: build the MIME message from an outbox row and hand it to the relay."""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from collections.abc import Mapping
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType
from typing import Any

from careercenter.notify.models import OutboxMessage
from careercenter.validation import strip_unsafe, unsafe_character

#: RFC 5322 allows lines up to 998 characters and only recommends 78: folding long ASCII
#: subjects at 78 makes CPython fold right after "Subject:", which some clients show as a
#: leading space. Non-ASCII headers are still written as short RFC 2047 encoded words.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=200)


class DeliveryError(Exception):
    """The relay did not take the message. `is_permanent`: retrying cannot help."""

    def __init__(self, message: str, *, is_permanent: bool = False) -> None:
        super().__init__(message[:500])
        self.is_permanent = is_permanent


class UnbuildableMessage(DeliveryError):
    """The stored message cannot become a mail (an address that is not one): retrying cannot help."""

    def __init__(self, message: str) -> None:
        super().__init__(f"cannot build the message: {message}", is_permanent=True)


def header_text(value: str) -> str:
    """Stored text as one header line: every control character (CR, LF, TAB…) and text-direction
    override becomes a space, runs of spaces become one. No stored text can add a header."""
    return " ".join(strip_unsafe(value).split())


def _address(value: str | None, what: str) -> Address:
    """One mailbox address, parsed: anything else (a CR/LF, a second address, garbage) is refused."""
    text = (value or "").strip()
    if not text or unsafe_character(text) is not None:
        raise UnbuildableMessage(f"the {what} address contains a control character or is empty")
    name, spec = parseaddr(text) if text.endswith(">") else ("", text)
    try:
        return Address(display_name=name, addr_spec=spec)
    except (ValueError, IndexError, TypeError, MessageError) as exc:
        raise UnbuildableMessage(f"the {what} address is not one mailbox address ({exc})") from None


def build_email(message: OutboxMessage, config: Mapping[str, Any]) -> EmailMessage:
    """The mail as it goes out: plain text first, HTML as the alternative when there is one.

    Message-ID and Date come from the row, so every delivery attempt sends the same mail.
    Addresses are parsed (`headerregistry.Address`) and the subject is made one clean line, so a
    stored value can never break or add a header; a message that cannot be built raises
    `UnbuildableMessage` (the worker marks it failed and moves on).
    """
    mail = EmailMessage(policy=MAIL_POLICY)
    try:
        mail["From"] = config["MAIL_FROM"]
        mail["To"] = _address(message.to_address, "recipient")
        mail["Subject"] = header_text(message.subject)
        mail["Date"] = format_datetime(message.created_at)
        mail["Message-ID"] = header_text(message.message_id)
        if message.reply_to:
            mail["Reply-To"] = _address(message.reply_to, "reply-to")
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.body_text)
        if message.body_html:
            mail.add_alternative(message.body_html, subtype="html")
    except UnbuildableMessage:
        raise
    except (ValueError, TypeError, UnicodeError, LookupError, MessageError) as exc:
        raise UnbuildableMessage(f"{type(exc).__name__}: {exc}") from None
    return mail


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{addr}: {code} {resp.decode(errors='replace')}" for addr, (code, resp) in exc.recipients.items()]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{type(exc).__name__}: {exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class SmtpRelay:
    """One SMTP connection, opened on first use and reused for a pass of the worker."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host: str = config["SMTP_HOST"]
        self.port = int(config.get("SMTP_PORT") or 25)
        self.username = config.get("SMTP_USERNAME")
        self.password = config.get("SMTP_PASSWORD")
        self.starttls = bool(config.get("SMTP_STARTTLS"))
        self.timeout = float(config.get("SMTP_TIMEOUT") or 10)
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, mail: EmailMessage) -> None:
        """Deliver one message, or raise `DeliveryError` saying why (never the password)."""
        try:
            if self._conn is None:
                self._conn = self._connect()
            self._conn.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            raise DeliveryError(_describe(exc), is_permanent=permanent) from None
        except smtplib.SMTPDataError as exc:
            # The server refused this message's content (not our connection, login or sender,
            # which are configuration and fail every message alike): a 5xx is final.
            self.close()
            raise DeliveryError(_describe(exc), is_permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(_describe(exc)) from None
        except (ValueError, UnicodeError) as exc:  # the mail could not be written out for SMTP
            self.close()
            raise UnbuildableMessage(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def __enter__(self) -> SmtpRelay:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
