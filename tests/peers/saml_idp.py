"""A real SAML 2.0 identity provider for tests: pysaml2's ``saml2.server.Server`` in a small
WSGI app, run as its own process on 127.0.0.1 (``python -m tests.peers.saml_idp CONFIG``).

The test side (:class:`SamlIdp`) makes the keys, starts the process, registers the service
provider's metadata (as fetched from the SP's own ``/saml/metadata``) and signs people in
without a browser (:meth:`SamlIdp.sign_in`). Each sign-in may ask for a *mode* that makes a
response the SP must refuse:

- ``normal``: response and assertion signed (RSA-SHA256), attributes by urn:oid names;
- ``encrypted``: as normal, the assertion encrypted to the SP's certificate (Shibboleth's default);
- ``unsigned``: neither response nor assertion signed;
- ``other_key``: signed by another key, under the same IdP entity id;
- ``other_sp``: addressed to another SP (audience) — issued for a different entity id;
- ``wrong_destination``: the Destination/Recipient is another ACS URL;
- ``destination_suffix``: the Destination/Recipient is the ACS URL plus a suffix;
- ``sha1``: signed with RSA-SHA1 / SHA-1 digests;
- ``short``: the assertion lives only 1 minute (pair with moving the SP's clock).

Tampering is done by the tests themselves on the returned XML. pysaml2 is imported only in the
IdP process, so its import-time warnings never reach pytest's ``filterwarnings = error``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.peers.process import PeerProcess

PASSWORD = "secret"
XMLSEC1 = "/usr/bin/xmlsec1"

#: Friendly attribute names the test IdP releases (pysaml2 turns them into urn:oid names).
ATTRIBUTES = ("eduPersonPrincipalName", "mail", "displayName", "eduPersonAffiliation", "employeeNumber")


# -- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    key_path: Path
    cert_path: Path

    @property
    def cert_pem(self) -> str:
        return self.cert_path.read_text()

    @property
    def key_pem(self) -> str:
        return self.key_path.read_text()


def make_keypair(directory: Path, name: str, common_name: str) -> KeyPair:
    """A new RSA-2048 key and a self-signed certificate (as IdPs and SPs use in metadata)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / f"{name}.key"
    cert_path = directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyPair(key_path, cert_path)


# -- the test side ----------------------------------------------------------------------------


class SamlIdpError(RuntimeError):
    """The IdP process failed to start, died, or refused a sign-in."""


@dataclass(frozen=True)
class SamlPost:
    """What the IdP's HTTP-POST binding page would make the browser post to the SP."""

    action: str
    saml_response: str
    relay_state: str | None

    @property
    def xml(self) -> str:
        return base64.b64decode(self.saml_response).decode("utf-8")

    def with_xml(self, xml: str) -> SamlPost:
        encoded = base64.b64encode(xml.encode("utf-8")).decode("ascii")
        return SamlPost(self.action, encoded, self.relay_state)

    def form(self) -> dict[str, str]:
        data = {"SAMLResponse": self.saml_response}
        if self.relay_state is not None:
            data["RelayState"] = self.relay_state
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = values.get("action")
        if tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


class SamlIdp:
    """A pysaml2 IdP process. ``users`` maps a login name to friendly-named attributes."""

    def __init__(self, users: Mapping[str, Mapping[str, Any]], *, startup_timeout: float = 20.0) -> None:
        self.users = {k: dict(v) for k, v in users.items()}
        self.startup_timeout = startup_timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="saml-idp-"))
        self.keys = make_keypair(self.tmp, "idp", "Test IdP")
        self.rogue_keys = make_keypair(self.tmp, "rogue", "Test IdP")
        self.other_sp_keys = make_keypair(self.tmp, "other-sp", "Other SP")
        self.port: int | None = None
        self.base_url: str | None = None
        self._process = PeerProcess("tests.peers.saml_idp", "SAML IdP", SamlIdpError, startup_timeout)

    @property
    def entity_id(self) -> str:
        assert self.base_url
        return f"{self.base_url}/idp/metadata"

    @property
    def metadata_url(self) -> str:
        return self.entity_id

    @property
    def metadata_path(self) -> Path:
        return self.tmp / "idp-metadata.xml"

    def start(self) -> SamlIdp:
        config = {
            "users": self.users,
            "password": PASSWORD,
            "key": str(self.keys.key_path),
            "cert": str(self.keys.cert_path),
            "rogue_key": str(self.rogue_keys.key_path),
            "rogue_cert": str(self.rogue_keys.cert_path),
            "other_sp_cert": str(self.other_sp_keys.cert_path),
            "metadata_out": str(self.metadata_path),
            "workdir": str(self.tmp),
        }
        self.base_url = self._process.start(config, self.tmp)
        self.port = urlsplit(self.base_url).port
        return self

    def close(self) -> None:
        self._process.close()

    def register_sp(self, metadata_xml: str) -> None:
        """Tell the IdP about a service provider (its metadata, as /saml/metadata serves it)."""
        assert self.base_url
        response = requests.post(f"{self.base_url}/_control/sp", data=metadata_xml.encode(), timeout=10)
        if response.status_code != 204:
            raise SamlIdpError(f"registering the SP failed: {response.status_code} {response.text}")

    def logout_request_url(self, sp_entity_id: str, name_id: str, session_index: str, *, mode: str = "normal") -> str:
        """IdP-initiated logout: the SP URL (its SLS) carrying the IdP's LogoutRequest."""
        assert self.base_url
        response = requests.get(
            f"{self.base_url}/_control/logout-request",
            params={"sp": sp_entity_id, "name_id": name_id, "session_index": session_index, "mode": mode},
            timeout=10,
        )
        if response.status_code != 200:
            raise SamlIdpError(f"IdP answered {response.status_code}: {response.text[:500]}")
        return response.text

    @property
    def stderr(self) -> str:
        return self._process.stderr

    def sign_in(self, redirect_url: str, user: str, *, mode: str = "normal", password: str = PASSWORD) -> SamlPost:
        """Follow the SP's AuthnRequest redirect, sign in as ``user``; return the POST to the SP."""
        parts = urlsplit(redirect_url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        response = requests.post(
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            data={**query, "login": user, "password": password, "mode": mode},
            timeout=10,
        )
        if response.status_code != 200:
            raise SamlIdpError(f"IdP answered {response.status_code}: {response.text[:500]}")
        parser = _FormParser()
        parser.feed(response.text)
        if not parser.action or "SAMLResponse" not in parser.fields:
            raise SamlIdpError(f"IdP page has no SAML response form: {response.text[:500]}")
        return SamlPost(parser.action, parser.fields["SAMLResponse"], parser.fields.get("RelayState"))

    def logout(self, redirect_url: str, *, mode: str = "normal") -> str:
        """Follow the SP's LogoutRequest redirect; return where the IdP sends the browser back.

        ``mode="unsigned"`` makes the IdP answer with an unsigned LogoutResponse.
        """
        response = requests.get(f"{redirect_url}&mode={mode}", allow_redirects=False, timeout=10)
        if response.status_code not in (302, 303):
            raise SamlIdpError(f"IdP logout answered {response.status_code}: {response.text[:500]}")
        return response.headers["Location"]


# -- the IdP process --------------------------------------------------------------------------


class _IdP:  # pragma: no cover - runs in the IdP process
    """The IdP's WSGI app: SSO, SLO, its metadata and the tests' control endpoints."""

    def __init__(self, conf: dict[str, Any], base: str) -> None:
        self.conf = conf
        self.users: dict[str, dict[str, Any]] = conf["users"]
        self.base = base
        self.entity_id = f"{base}/idp/metadata"
        self.sp_metadata: list[str] = []
        self.idp: Any = None
        self.rogue: Any = None
        self.rebuild()
        from saml2.metadata import create_metadata_string

        Path(conf["metadata_out"]).write_text(create_metadata_string(None, config=self.idp.config, sign=False).decode())

    def idp_config(self, key: str, cert: str) -> Any:
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        base = self.base
        settings = {
            "entityid": self.entity_id,
            "xmlsec_binary": XMLSEC1,
            "key_file": key,
            "cert_file": cert,
            "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
            "allow_unknown_attributes": True,
            "service": {
                "idp": {
                    "name": "Test campus IdP",
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{base}/slo/redirect", BINDING_HTTP_REDIRECT)],
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT, NAMEID_FORMAT_PERSISTENT],
                    # Inside service.idp, or pysaml2 silently signs with SHA-1.
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                    "sign_response": True,
                    "sign_assertion": True,
                    "want_authn_requests_signed": False,
                }
            },
            "metadata": {"inline": self.sp_metadata} if self.sp_metadata else {},
        }
        config = IdPConfig()
        config.load(settings)
        return config

    def other_sp_metadata(self, acs_url: str) -> str:
        cert_text = Path(self.conf["other_sp_cert"]).read_text()
        cert = "".join(line for line in cert_text.splitlines() if "-----" not in line)
        return (
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://other-sp.example.edu/shibboleth">'
            '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f"<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>"
            "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            f'Location="{acs_url}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>'
        )

    def rebuild(self) -> None:
        from saml2.server import Server

        self.idp = Server(config=self.idp_config(self.conf["key"], self.conf["cert"]))
        self.rogue = Server(config=self.idp_config(self.conf["rogue_key"], self.conf["rogue_cert"]))

    @staticmethod
    def respond(
        start: Any, status: str, body: str | bytes, headers: list[tuple[str, str]] | None = None
    ) -> list[bytes]:
        data = body.encode() if isinstance(body, str) else body
        start(
            status, (headers or [("Content-Type", "text/html; charset=utf-8")]) + [("Content-Length", str(len(data)))]
        )
        return [data]

    @staticmethod
    def form_of(environ: dict[str, Any]) -> dict[str, str]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        query = environ.get("QUERY_STRING", "")
        merged = {k: v[0] for k, v in parse_qs(query).items()}
        merged.update({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
        return merged

    @staticmethod
    def login_page(fields: dict[str, str], error: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{v}">'
            for k, v in fields.items()
            if k in {"SAMLRequest", "RelayState", "SigAlg", "Signature"}
        )
        return (
            "<!doctype html><html lang=en><title>Test IdP</title><h1>Test campus sign-in</h1>"
            f"<p>{error}</p><form method=post action=/sso/redirect>{hidden}"
            "<label>Login <input name=login></label><label>Password <input name=password type=password></label>"
            "<button>Sign in</button></form>"
        )

    def sso(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

        fields = self.form_of(environ)
        if "SAMLRequest" not in fields:
            return self.respond(start, "400 Bad Request", "no SAMLRequest")
        if environ["REQUEST_METHOD"] == "GET" or "login" not in fields:
            return self.respond(start, "200 OK", self.login_page(fields))
        login = fields["login"]
        if login not in self.users or fields.get("password") != self.conf["password"]:
            return self.respond(start, "401 Unauthorized", self.login_page(fields, "Wrong login or password."))
        mode = fields.get("mode", "normal")
        req = self.idp.parse_authn_request(fields["SAMLRequest"], BINDING_HTTP_REDIRECT)
        args = self.idp.response_args(req.message, [BINDING_HTTP_POST])
        tampered = self.tamper(mode, args)
        if tampered is None:
            return self.respond(start, "400 Bad Request", f"unknown mode {mode}")
        signer, destination, kwargs = tampered
        identity = {k: v if isinstance(v, list) else [v] for k, v in self.users[login].items()}
        response = signer.create_authn_response(
            identity,
            in_response_to=args["in_response_to"],
            destination=destination,
            sp_entity_id=args["sp_entity_id"],
            name_id_policy=args.get("name_id_policy"),
            userid=login,
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "authn_auth": self.entity_id,
            },
            **kwargs,
        )
        http = signer.apply_binding(
            BINDING_HTTP_POST, str(response), destination, fields.get("RelayState"), response=True
        )
        return self.respond(start, "200 OK", http["data"])

    def tamper(self, mode: str, args: dict[str, Any]) -> tuple[Any, str, dict[str, Any]] | None:
        """The signer, destination and signing arguments of a response in `mode` (None: unknown mode).

        May change `args["sp_entity_id"]` (mode ``other_sp``)."""
        from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

        destination = args["destination"]
        kwargs: dict[str, Any] = {
            "sign_response": True,
            "sign_assertion": True,
            "sign_alg": SIG_RSA_SHA256,
            "digest_alg": DIGEST_SHA256,
        }
        signer = self.idp
        if mode == "encrypted":
            sp_cert = self.sp_cert_of(args["sp_entity_id"])
            kwargs.update(
                encrypt_assertion=True,
                encrypt_cert_assertion=sp_cert,
                encrypt_assertion_self_contained=False,
            )
        elif mode == "unsigned":
            kwargs.update(sign_response=False, sign_assertion=False)
        elif mode == "other_key":
            signer = self.rogue
        elif mode == "other_sp":
            args["sp_entity_id"] = "https://other-sp.example.edu/shibboleth"
        elif mode == "wrong_destination":
            destination = destination.replace("/saml/acs", "/saml/other-acs")
        elif mode == "destination_suffix":
            # Passes a prefix comparison (python3-saml's), not an exact one.
            destination = destination + "-evil"
        elif mode == "sha1":
            kwargs.update(sign_alg=SIG_RSA_SHA1, digest_alg=DIGEST_SHA1)
        elif mode != "normal":
            return None
        return signer, destination, kwargs

    def sp_cert_of(self, sp_entity_id: str) -> str:
        certs = self.idp.metadata.certs(sp_entity_id, "spsso", "encryption")
        if not certs:
            certs = self.idp.metadata.certs(sp_entity_id, "spsso", "any")
        return certs[0][1]

    def slo(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.xmldsig import SIG_RSA_SHA256

        fields = self.form_of(environ)
        if "SAMLRequest" not in fields:
            return self.respond(start, "400 Bad Request", "no SAMLRequest")
        idp = self.idp
        req = idp.parse_logout_request(
            fields["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=fields.get("RelayState"),
            sigalg=fields.get("SigAlg"),
            signature=fields.get("Signature"),
        )
        if req is None:
            return self.respond(start, "400 Bad Request", "LogoutRequest not valid")
        resp = idp.create_logout_response(req.message, [BINDING_HTTP_REDIRECT])
        dest = idp.pick_binding("single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", request=req.message)[1]
        signed = fields.get("mode", "normal") != "unsigned"
        http = idp.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(resp),
            dest,
            fields.get("RelayState"),
            response=True,
            sign=signed,
            sigalg=SIG_RSA_SHA256 if signed else None,
        )
        return self.respond(start, "302 Found", "", http["headers"])

    def idp_logout_request(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        """IdP-initiated single logout: answer with the SP SLS URL carrying a LogoutRequest."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
        from saml2.xmldsig import SIG_RSA_SHA256

        fields = self.form_of(environ)
        idp = self.idp
        sp_entity_id = fields["sp"]
        dest = idp.metadata.single_logout_service(sp_entity_id, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
        name_id = NameID(text=fields["name_id"], format=fields.get("format") or NAMEID_FORMAT_TRANSIENT)
        _, request = idp.create_logout_request(
            dest, sp_entity_id, name_id=name_id, session_indexes=[fields["session_index"]], sign=False
        )
        signed = fields.get("mode", "normal") != "unsigned"
        http = idp.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), dest, "", sign=signed, sigalg=SIG_RSA_SHA256 if signed else None
        )
        location = dict(http["headers"])["Location"]
        return self.respond(start, "200 OK", location, [("Content-Type", "text/plain")])

    def register_sp(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        """The tests hand over the SP's metadata (and an unrelated SP's is added beside it)."""
        from xml.etree import ElementTree

        length = int(environ.get("CONTENT_LENGTH") or 0)
        xml = environ["wsgi.input"].read(length).decode()
        acs = ElementTree.fromstring(xml).find(".//{urn:oasis:names:tc:SAML:2.0:metadata}AssertionConsumerService")
        self.sp_metadata[:] = [xml, self.other_sp_metadata(acs.get("Location") if acs is not None else "")]
        self.rebuild()
        start("204 No Content", [])
        return []

    def route(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/idp/metadata":
            return self.respond(
                start,
                "200 OK",
                Path(self.conf["metadata_out"]).read_bytes(),
                [("Content-Type", "application/samlmetadata+xml")],
            )
        if path == "/sso/redirect":
            return self.sso(environ, start)
        if path == "/slo/redirect":
            return self.slo(environ, start)
        if path == "/_control/logout-request":
            return self.idp_logout_request(environ, start)
        if path == "/_control/sp" and environ["REQUEST_METHOD"] == "POST":
            return self.register_sp(environ, start)
        return self.respond(start, "404 Not Found", "not found")

    def __call__(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        try:
            return self.route(environ, start)
        except Exception as exc:  # the test reads the reason
            import traceback

            traceback.print_exc()
            return self.respond(start, "500 Internal Server Error", f"{type(exc).__name__}: {exc}")


def _serve(config_path: str) -> None:  # pragma: no cover - runs in the IdP process
    import logging
    import warnings
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)

    conf = json.loads(Path(config_path).read_text())
    app: list[_IdP] = []

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = make_server("127.0.0.1", 0, lambda e, s: app[0](e, s), handler_class=Quiet)
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.append(_IdP(conf, base))
    print(f"READY {base}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    _serve(sys.argv[1])
