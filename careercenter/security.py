"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

#: No inline script or style anywhere: every page works with this policy, and without JS.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self' {form_extra}; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    form_extra = " ".join(config.get("CSP_FORM_ACTION_EXTRA", []))
    headers.setdefault("Content-Security-Policy", CSP.format(form_extra=form_extra).replace("  ", " "))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if config["IS_PRODUCTION"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/static/"):
        return response
    # Pages about people are not to be kept by shared caches.
    if "Cache-Control" not in headers and response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
