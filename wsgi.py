"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`.

Configuration errors and an unreachable or unmigrated database stop start-up with one line.
"""

import sys

from careercenter import ConfigError, create_app
from careercenter.preflight import preflight, should_preflight

try:
    app = create_app()
    if should_preflight():
        preflight(app)
except ConfigError as exc:
    sys.exit(f"careercenter: {exc}")
