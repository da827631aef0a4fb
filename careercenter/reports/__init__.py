"""The career center's console: aggregate reports with charts and CSV (see views.py)."""
