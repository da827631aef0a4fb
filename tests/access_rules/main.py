"""Access rules for the shared pages, the audit pages and the development login."""

from tests.access import ALLOWED, DENIED, Rule, expect, public

RULES = [
    Rule("GET", "/", public(ALLOWED)),
    Rule("GET", "/login", public(ALLOWED)),
    Rule("POST", "/logout", public(302)),
    Rule("GET", "/healthz", public(200)),
    Rule("GET", "/favicon.ico", public(200)),
    Rule("GET", "/student", expect(student=200)),
    Rule("GET", "/advisor", expect(advisor=200)),
    Rule("GET", "/registrar", expect(registrar=200)),
    Rule("GET", "/admin", expect(registrar=DENIED, admin=200)),
    Rule("GET", "/admin/people", expect(registrar=DENIED, admin=200)),
    Rule("GET", "/admin/doctor", expect(registrar=DENIED, admin=200)),
    Rule("GET", "/me", expect(student=200, advisor=200, registrar=200, staff=200)),
    Rule("GET", "/me/disclosures", expect(student=200, advisor=200, registrar=200, staff=200)),
    Rule("GET", "/registrar/students", expect(registrar=200)),
    Rule(
        "GET",
        "/registrar/students/{campus_id}/disclosures",
        expect(registrar=200),
        setup=lambda w: {"campus_id": w.student.campus_id},
    ),
    Rule("GET", "/dev/login", public(200)),
    Rule("POST", "/dev/login", public(400), data={}),
]

# /metrics answers the test client (127.0.0.1) and no one else; see tests/test_observability.py.
RULES += [
    Rule("GET", "/readyz", public(200)),
    Rule("GET", "/metrics", public(200)),
]

RULES += [
    Rule(
        "GET",
        "/registrar/students/{campus_id}/export.json",
        expect(registrar=200),
        setup=lambda w: {"campus_id": w.student.campus_id},
    ),
]

# Server-side sessions (issue 16): "Sign out everywhere" and an admin's deactivation.
RULES += [
    Rule("POST", "/me/sessions/end-all", expect(student=302, advisor=302, registrar=302, staff=302)),
    Rule(
        "POST",
        "/admin/people/deactivate",
        expect(registrar=DENIED, admin=302),
        data=lambda w: {"campus_id": w.make["student"]().campus_id},
    ),
]
