"""Access rules for the registrar machine API: bearer tokens only. Anonymous callers and
people with browser sessions alike get 401 (a session cookie is never accepted)."""

from tests.access import LOGIN, Rule, expect, public

#: Everyone without a bearer token gets 401, signed in or not.
API = expect(anonymous=LOGIN, student=401, advisor=401, registrar=401, admin=401, staff=401)

RULES = [
    Rule("POST", "/oauth/token", public(400), data={}),
    Rule("GET", "/api/v1/openapi.json", public(200)),
    Rule("GET", "/api/v1/credit-awards", API),
    Rule("GET", "/api/v1/credit-awards.csv", API),
    Rule("GET", "/api/v1/credit-awards/{award_id}", API, setup=lambda w: {"award_id": 1}),
    Rule("POST", "/api/v1/credit-awards/{award_id}/posting", API, setup=lambda w: {"award_id": 1}, data={}),
    Rule(
        "GET",
        "/api/v1/students/{campus_id}/credit-awards",
        API,
        setup=lambda w: {"campus_id": w.student.campus_id},
    ),
    # The staff page listing API clients (read-only).
    Rule("GET", "/registrar/api-clients", expect(registrar=200)),
]

# Issue 21: records that leave the building (PESC XML; webhooks under webhooks:manage).
RULES += [
    Rule(
        "GET",
        "/api/v1/students/{campus_id}/pesc-transcript.xml",
        API,
        setup=lambda w: {"campus_id": w.student.campus_id},
    ),
    Rule("GET", "/api/v1/webhooks", API),
    Rule("POST", "/api/v1/webhooks", API, data={}),
    Rule("GET", "/api/v1/webhooks/{subscription_id}", API, setup=lambda w: {"subscription_id": 1}),
    Rule("DELETE", "/api/v1/webhooks/{subscription_id}", API, setup=lambda w: {"subscription_id": 1}),
    Rule("GET", "/api/v1/webhooks/{subscription_id}/deliveries", API, setup=lambda w: {"subscription_id": 1}),
    Rule(
        "POST",
        "/api/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver",
        API,
        setup=lambda w: {"subscription_id": 1, "delivery_id": 1},
        data={},
    ),
    Rule(
        "POST",
        "/api/v1/webhooks/{subscription_id}/rotate-secret",
        API,
        setup=lambda w: {"subscription_id": 1},
        data={},
    ),
]
