"""Transcripts: the signed PDF, its accessible HTML twin, public verification, revocation.

Nothing here connects or registers anything on import: `careercenter/wiring.py` connects
`receivers.on_award_rescinded` and adds `receivers.export_section()` to the student export.
"""
