"""The app as it was before GET views that write were marked `@writes_on_read`: the marks taken
off at start-up. Only `bench/sqlite_writers.py --unmarked` serves it, to show what the marks fix."""

from careercenter.db import WRITES_ON_READ
from wsgi import app

for view in app.view_functions.values():
    if getattr(view, WRITES_ON_READ, False):
        setattr(view, WRITES_ON_READ, False)

__all__ = ["app"]
