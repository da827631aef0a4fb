"""A real OpenID Provider for tests: npm ``oidc-provider`` v9 run by ``oidc_provider.mjs``.

The provider listens on ``http://127.0.0.1:<port>``; PKCE (S256) is always required, consent is
pre-granted, RP-initiated logout is on. Log in programmatically with
:func:`login_via_browserless`, or with a browser on the form at ``/interaction/<uid>`` (fields
``login`` and ``password``; the password is ``"secret"`` unless configured otherwise).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import json
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PASSWORD = "secret"
_MAX_HOPS = 20


class OidcProviderError(RuntimeError):
    """The provider process failed to start or died."""


class OidcLoginError(RuntimeError):
    """A programmatic login did not end in a redirect to the relying party."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(f"{message} (status={status}, url={url})")
        self.status = status
        self.url = url


@dataclass(frozen=True)
class OidcClient:
    """A confidential client registered at the provider."""

    client_id: str = "careercenter"
    client_secret: str = "careercenter-oidc-secret"
    redirect_uris: Sequence[str] = ()
    post_logout_redirect_uris: Sequence[str] = ()
    token_endpoint_auth_method: str = "client_secret_basic"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """Client metadata in oidc-provider's (RFC 7591) format."""
        data: dict[str, Any] = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": list(self.redirect_uris),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
        if self.post_logout_redirect_uris:
            data["post_logout_redirect_uris"] = list(self.post_logout_redirect_uris)
        data.update(self.extra)
        return data


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def make_rsa_jwk(kid: str | None = None, *, bits: int = 2048) -> dict[str, str]:
    """A new private RSA signing key as a JWK (RS256)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    priv = key.private_numbers()
    pub = priv.public_numbers
    return {
        "kty": "RSA",
        "kid": kid or f"test-{secrets.token_hex(4)}",
        "use": "sig",
        "alg": "RS256",
        "n": _b64url_uint(pub.n),
        "e": _b64url_uint(pub.e),
        "d": _b64url_uint(priv.d),
        "p": _b64url_uint(priv.p),
        "q": _b64url_uint(priv.q),
        "dp": _b64url_uint(priv.dmp1),
        "dq": _b64url_uint(priv.dmq1),
        "qi": _b64url_uint(priv.iqmp),
    }


def make_jwks(*kids: str) -> dict[str, list[dict[str, str]]]:
    """A private JWKS with one RSA key per kid (one random kid if none given)."""
    return {"keys": [make_rsa_jwk(kid) for kid in (kids or (None,))]}


def public_jwks(jwks: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The public half of a JWKS (what the provider serves at its jwks_uri)."""
    private = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
    return {"keys": [{k: v for k, v in key.items() if k not in private} for key in jwks["keys"]]}


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``(code_verifier, code_challenge)`` pair for method S256."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcProvider:
    """An ``oidc-provider`` process bound to 127.0.0.1.

    ``accounts`` maps account id -> claims (``sub`` defaults to the id; e.g. ``email``,
    ``email_verified``, ``name``, ``groups``). Claims reach the client by scope: ``email``
    (email, email_verified), ``profile`` (name, given_name, family_name, preferred_username,
    locale, updated_at), ``groups`` (groups); override with ``claims`` (scope -> claim names).
    With ``conform_id_token_claims`` (the default) the ID token holds only protocol claims and
    the rest comes from userinfo. ``jwks`` is a private JWKS (see :func:`make_jwks`); a fresh
    key is made when omitted. ``ttl`` overrides oidc-provider lifetimes in seconds, e.g.
    ``{"IdToken": 60, "AccessToken": 60}``.
    """

    def __init__(
        self,
        client: OidcClient,
        accounts: Mapping[str, Mapping[str, Any]],
        *,
        conform_id_token_claims: bool = True,
        jwks: Mapping[str, Any] | None = None,
        claims: Mapping[str, Sequence[str]] | None = None,
        ttl: Mapping[str, int] | None = None,
        password: str = DEFAULT_PASSWORD,
        startup_timeout: float = 15.0,
        node: str | None = None,
    ) -> None:
        self.client = client
        self.accounts: dict[str, dict[str, Any]] = {k: dict(v) for k, v in accounts.items()}
        self.conform_id_token_claims = conform_id_token_claims
        self.jwks: dict[str, Any] = dict(jwks) if jwks is not None else make_jwks()
        self.claims = {k: list(v) for k, v in claims.items()} if claims else None
        self.ttl = dict(ttl) if ttl else None
        self.password = password
        self.startup_timeout = startup_timeout
        self.node = node or shutil.which("node") or "node"
        self.port: int | None = None
        self.issuer: str | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=400)
        self._metadata: dict[str, Any] | None = None
        self._control_token = secrets.token_urlsafe(16)
        self._cookie_keys = [secrets.token_hex(16)]
        self._tmpdir: str | None = None
        self._readers: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the Node process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> OidcProvider:
        """Start the provider (on the previous port if it ran before) and wait for READY."""
        if self.running:
            return self
        if not (REPO_ROOT / "node_modules" / "oidc-provider").is_dir():
            raise OidcProviderError("node_modules/oidc-provider is missing: run scripts/install-system-deps.sh")
        self._tmpdir = self._tmpdir or tempfile.mkdtemp(prefix="oidc-provider-")
        config_path = Path(self._tmpdir, "config.json")
        config_path.write_text(json.dumps(self._config()), encoding="utf-8")
        config_path.chmod(0o600)
        self._stderr.clear()
        self._metadata = None
        began = time.monotonic()
        proc = subprocess.Popen(
            [self.node, str(SCRIPT), str(config_path)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NODE_ENV": "test"},
        )
        self._proc = proc
        ready: queue.Queue[str] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(proc, ready), daemon=True),
            threading.Thread(target=self._read_stderr, args=(proc,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            line = ready.get(timeout=self.startup_timeout)
        except queue.Empty:
            self.stop()
            raise OidcProviderError(f"provider not ready after {self.startup_timeout}s:\n{self.logs()}") from None
        if not line:
            self.stop()
            raise OidcProviderError(f"provider exited before READY:\n{self.logs()}")
        self.issuer = line
        self.port = urlsplit(line).port
        self.startup_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop the process (the issuer URL and port are kept for :meth:`start`)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stdin is not None:
            proc.stdin.close()
        for reader in self._readers:  # they stop at EOF; closing pipes under them would race
            reader.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    def restart(
        self,
        *,
        jwks: Mapping[str, Any] | None = None,
        accounts: Mapping[str, Mapping[str, Any]] | None = None,
        conform_id_token_claims: bool | None = None,
    ) -> OidcProvider:
        """Restart on the same issuer, optionally with new keys/accounts (sessions are lost)."""
        self.stop()
        if jwks is not None:
            self.jwks = dict(jwks)
        if accounts is not None:
            self.accounts = {k: dict(v) for k, v in accounts.items()}
        if conform_id_token_claims is not None:
            self.conform_id_token_claims = conform_id_token_claims
        return self.start()

    def close(self) -> None:
        """Stop and remove the temporary config."""
        self.stop()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_accounts(self, accounts: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace the accounts in the running provider (keeps sessions and keys)."""
        self.accounts = {k: dict(v) for k, v in accounts.items()}
        resp = requests.put(
            self._url("/__control/accounts"),
            data=json.dumps(self.accounts),
            headers={"X-Control-Token": self._control_token},
            timeout=5,
        )
        resp.raise_for_status()

    def logs(self) -> str:
        """Recent stderr output of the Node process (warnings, provider errors)."""
        return "\n".join(self._stderr)

    # -- URLs ------------------------------------------------------------------------------

    @property
    def discovery_url(self) -> str:
        """``<issuer>/.well-known/openid-configuration``."""
        return self._url("/.well-known/openid-configuration")

    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (fetched once per start)."""
        if self._metadata is None:
            resp = requests.get(self.discovery_url, timeout=5)
            resp.raise_for_status()
            self._metadata = resp.json()
        return self._metadata

    @property
    def authorization_endpoint(self) -> str:
        return str(self.metadata["authorization_endpoint"])

    @property
    def token_endpoint(self) -> str:
        return str(self.metadata["token_endpoint"])

    @property
    def userinfo_endpoint(self) -> str:
        return str(self.metadata["userinfo_endpoint"])

    @property
    def jwks_uri(self) -> str:
        return str(self.metadata["jwks_uri"])

    @property
    def end_session_endpoint(self) -> str:
        return str(self.metadata["end_session_endpoint"])

    def authorize_url(
        self,
        *,
        code_challenge: str,
        state: str,
        nonce: str | None = None,
        scope: str = "openid email profile",
        redirect_uri: str | None = None,
        **params: str,
    ) -> str:
        """An authorization-code request URL for the registered client (S256 PKCE)."""
        query = {
            "client_id": self.client.client_id,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": redirect_uri or self.client.redirect_uris[0],
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            **({"nonce": nonce} if nonce else {}),
            **params,
        }
        return f"{self.authorization_endpoint}?{urlencode(query)}"

    # -- internals -------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if not self.issuer:
            raise OidcProviderError("provider has not been started")
        return self.issuer + path

    def _config(self) -> dict[str, Any]:
        return {
            "port": self.port or 0,
            "clients": [self.client.metadata()],
            "accounts": self.accounts,
            "password": self.password,
            "conformIdTokenClaims": self.conform_id_token_claims,
            "jwks": self.jwks,
            "claims": self.claims,
            "ttl": self.ttl,
            "cookieKeys": self._cookie_keys,
            "controlToken": self._control_token,
        }

    @staticmethod
    def _read_stdout(proc: subprocess.Popen[str], ready: queue.Queue[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY "):
                ready.put(line.split(" ", 1)[1].strip())
        ready.put("")  # EOF: the process is gone

    def _read_stderr(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr.append(line.rstrip("\n"))


# -- programmatic browser-less login -----------------------------------------------------------


@dataclass
class _Form:
    action: str | None = None
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Collects each <form> and its hidden/text inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self.texts: list[str] = []
        self._in_alert = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(_Form(a.get("action"), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type", "text") in ("hidden", "text"):
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif a.get("role") == "alert":
            self._in_alert = True

    def handle_endtag(self, tag: str) -> None:
        self._in_alert = False

    def handle_data(self, data: str) -> None:
        if self._in_alert and data.strip():
            self.texts.append(data.strip())


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _parse(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    return parser


def _leave_provider(
    session: requests.Session,
    resp: requests.Response,
    origin: tuple[str, str],
    timeout: float,
) -> str | requests.Response:
    """Follow redirects while they stay at the provider; return the first URL that leaves it."""
    for _ in range(_MAX_HOPS):
        if not resp.is_redirect:
            return resp
        url = urljoin(resp.url, resp.headers["Location"])
        if _origin(url) != origin:
            return url
        resp = session.get(url, allow_redirects=False, timeout=timeout)
    raise OidcLoginError("too many redirects", status=resp.status_code, url=resp.url)


def login_via_browserless(
    session: requests.Session,
    authorize_url: str,
    login: str,
    password: str = DEFAULT_PASSWORD,
    *,
    timeout: float = 10.0,
) -> str:
    """Run the provider's login for ``authorize_url``; return the redirect to the client.

    Follows redirects by hand (the client's redirect_uri is not fetched) and posts the login
    form. The returned URL carries ``code``, ``state`` and ``iss`` (or ``error``). Raises
    :class:`OidcLoginError` when the login is refused or the provider shows an error page.
    If ``session`` already holds a provider session (``_session`` cookie) there is no form
    and ``login`` is ignored: use a new ``requests.Session`` to log in as someone else.
    """
    origin = _origin(authorize_url)
    resp = session.get(authorize_url, allow_redirects=False, timeout=timeout)
    submitted = False
    for _ in range(_MAX_HOPS):
        result = _leave_provider(session, resp, origin, timeout)
        if isinstance(result, str):
            return result
        resp = result
        parsed = _parse(resp.text)
        on_login = resp.status_code == 200 and "/interaction/" in urlsplit(resp.url).path
        if submitted or not on_login or not parsed.forms:
            message = " ".join(parsed.texts) or resp.text[:300]
            raise OidcLoginError(f"login failed: {message}", status=resp.status_code, url=resp.url)
        action = urljoin(resp.url, parsed.forms[0].action or resp.url)
        resp = session.post(
            action,
            data={"login": login, "password": password},
            allow_redirects=False,
            timeout=timeout,
        )
        submitted = True
    raise OidcLoginError("too many steps", status=resp.status_code, url=resp.url)


def logout_via_browserless(session: requests.Session, end_session_url: str, *, timeout: float = 10.0) -> str:
    """Confirm an RP-initiated logout; return the URL the provider sends the browser to.

    That is the client's ``post_logout_redirect_uri`` (with ``state``) when one was given,
    else the provider's own "signed out" page.
    """
    origin = _origin(end_session_url)
    resp = session.get(end_session_url, allow_redirects=False, timeout=timeout)
    result = _leave_provider(session, resp, origin, timeout)
    if isinstance(result, str):
        return result
    forms = _parse(result.text).forms
    if result.status_code != 200 or not forms or not forms[0].action:
        raise OidcLoginError("no logout form", status=result.status_code, url=result.url)
    form = forms[0]
    resp = session.post(
        urljoin(result.url, form.action),
        data={**form.fields, "logout": "yes"},
        allow_redirects=False,
        timeout=timeout,
    )
    result = _leave_provider(session, resp, origin, timeout)
    if isinstance(result, str):
        return result
    if result.status_code != 200:
        raise OidcLoginError("logout failed", status=result.status_code, url=result.url)
    return result.url
