"""Access rules for the SAML service provider and the CAS client.

Every one of these routes is public by nature (they are how a person signs in). The table's app
configures neither SAML nor CAS, so each answers 404 there; tests/sso_saml and tests/sso_cas
drive the same routes against a real IdP and a real CAS server.
"""

from tests.access import Rule, public

RULES = [
    Rule("GET", "/saml/login", public(404)),
    Rule("POST", "/saml/acs", public(404), data={}),
    Rule("GET", "/saml/metadata", public(404)),
    Rule("GET", "/saml/sls", public(404)),
    Rule("GET", "/cas/login", public(404)),
    Rule("GET", "/cas/callback", public(404)),
]
