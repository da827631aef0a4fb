"""Access rules for the sign-in routes.

The access table's app has neither OIDC nor a directory configured, so both sign-in routes
answer 404 to everyone there; what they do when configured is tested in tests/sso against the
real provider and directory (including anonymous use, which both routes are for).
"""

from tests.access import Rule, public

RULES = [
    Rule("GET", "/auth/callback", public(404)),
    Rule("POST", "/login/directory", public(404), data={"username": "someone", "password": "secret"}),
]
