"""Jobs tests use the transcripts' signing pair (tests/transcripts/conftest.py)."""

from tests.transcripts.conftest import signing_pair  # noqa: F401
