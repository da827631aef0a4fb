"""The project's own exceptions and the error pages / problem+json bodies they become."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger(__name__)


class CareerCenterError(Exception):
    """Base class; the message is safe to show to the person who caused it."""

    status = 400
    title = "Bad request"


class Conflict(CareerCenterError):
    """The record is not in a state that allows this; HTTP 409."""

    status = 409
    title = "Conflict"


class IllegalTransition(Conflict):
    """A state machine was asked for a move its table does not allow."""


class NotAllowed(CareerCenterError):
    status = 403
    title = "Forbidden"


class ValidationFailed(CareerCenterError):
    status = 422
    title = "Invalid input"

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}

_MESSAGES = {
    400: "The request could not be understood. Go back and try again.",
    403: "You do not have access to this page.",
    404: "There is nothing here. The link may be wrong, or the record is not yours to see.",
    405: "That action is not available here.",
    409: "That record changed or is not in a state that allows this action.",
    413: "The upload is too large.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged; please try again later.",
    503: "The service is temporarily unavailable. Please try again shortly.",
}


def wants_problem_json() -> bool:
    """API clients get RFC 9457 problem+json; people get pages."""
    return (
        request.path.startswith("/api/")
        or request.path.startswith("/oauth/")
        or (request.accept_mimetypes.best == "application/problem+json")
    )


def problem(status: int, detail: str, title: str | None = None, **extra: object) -> Response:
    body = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(status: int, detail: str | None = None) -> tuple[str | Response, int]:
    if wants_problem_json():
        return problem(status, detail or _MESSAGES.get(status, "")), status
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=_TITLES.get(status, "Error"),
            message=detail or _MESSAGES.get(status, ""),
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str | Response, int] | Response:
        status = exc.code or 500
        # Werkzeug's own descriptions are generic and safe; a custom description is ours.
        detail = exc.description if getattr(exc, "is_ours", False) else None
        result = render_error(status, detail)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            # RFC 9110 15.5.6: a 405 names the methods the resource does support.
            resp = result[0] if isinstance(result[0], Response) else app.make_response(result)
            resp.status_code = 405
            resp.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
            return resp
        if status == 429 and exc.response is not None:
            retry = exc.response.headers.get("Retry-After")
            resp = result[0] if isinstance(result[0], Response) else app.make_response(result)
            if retry:
                resp.headers["Retry-After"] = retry
            resp.status_code = 429
            return resp
        return result

    @app.errorhandler(CareerCenterError)
    def domain_error(exc: CareerCenterError) -> tuple[str | Response, int]:
        return render_error(exc.status, str(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str | Response, int]:
        # The route template, never the path: a path may carry a sign-off token or a code.
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        log.exception("unhandled error on %s %s", request.method, route)
        return render_error(500)
