"""Transcripts: the signed PDF, its accessible HTML twin, public verification, revocation."""

from careercenter.transcripts import receivers  # noqa: F401  (connects the signal receivers)
