"""Why a sign-in did not happen: the project's own exceptions for every sign-in method.

Library exceptions (authlib, joserfc, requests, python-ldap) never leave the sso package:
they become one of these, whose message is safe to show to the person signing in.
"""

from __future__ import annotations

from careercenter.errors import CareerCenterError


class SignInError(CareerCenterError):
    """A sign-in did not complete; `title` heads the page, the message says what to do."""

    status = 400
    title = "Sign-in did not complete"


class SignInFailed(SignInError):
    """The identity provider's answer did not pass our checks (state, token, signature…)."""

    status = 400
    title = "Sign-in did not complete"


class ProviderUnavailable(SignInError):
    """The campus identity provider could not be reached or answered with an error."""

    status = 503
    title = "Campus sign-in is unavailable"


class DirectoryUnavailable(SignInError):
    """The campus directory could not be reached: sign-in fails closed."""

    status = 503
    title = "The campus directory is unavailable"


class SignInRefused(SignInError):
    """The person proved who they are, but may not use this service."""

    status = 403
    title = "Sign-in refused"


class UnknownPerson(SignInRefused):
    """The campus directory does not list the person."""


class NoRole(SignInRefused):
    """The person's directory entry maps to no role here."""


class InvalidCredentials(SignInError):
    """Wrong username or password on the directory login form (always the same message)."""

    status = 401
    title = "Sign-in did not complete"

    def __init__(self) -> None:
        super().__init__("The username or password is not correct.")
