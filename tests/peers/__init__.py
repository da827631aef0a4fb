"""Real peers for the tests, each on 127.0.0.1 and startable, stoppable, restartable.

- ``oidc``: OpenID Provider (npm oidc-provider v9 via ``oidc_provider.mjs``),
  ``login_via_browserless``.
- ``ldap``: OpenLDAP slapd with the campus layout (``CampusDirectory``).
- ``smtp``: aiosmtpd server that keeps received messages (``SmtpServer``).
- ``browser``: Debian chromium through Playwright, ``check_accessibility`` with axe-core.
- ``live_server``: a WSGI app served from a thread (``LiveServer``).
- ``fixtures``: the pytest plugin (``pytest_plugins = ["tests.peers.fixtures"]``).
"""
