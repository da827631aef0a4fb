"""Demo step: signed transcripts for demo students with verified work, one of them revoked."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.demo import Demo
from careercenter.transcripts import service
from careercenter.transcripts.signing import forget_signer, make_dev_signing_cert

#: How many demo students get a transcript, and which one of them (by order) sees it revoked.
MAX_TRANSCRIPTS = 3
REVOKED_INDEX = 1
REVOKE_REASON = "Issued before the supervisor corrected the dates of a project; replaced by a newer transcript."


def seed(session: Session, demo: Demo) -> list[str]:
    """Issue a transcript to the first demo students who have verified work; revoke one."""
    app = current_app
    if not app.config.get("SIGNING_KEY"):
        _key, cert, made = make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
        if made:
            forget_signer(app)
    settings = service.settings_from_app(app)
    registrar = demo.people.get("karen")
    actor = Actor.person(registrar) if registrar else Actor.system("seed-demo")
    issued = []
    for student in demo.students():
        if len(issued) >= MAX_TRANSCRIPTS:
            break
        if not service.verified_experiences(session, student.id):
            continue
        issued.append(service.issue_transcript(session, student, settings, actor=actor, issued_by=student))
    if not issued:
        return ["transcripts: none (no demo student has a verified micro-internship)"]
    lines = [
        f"transcripts: {len(issued)} issued and signed ({', '.join(t.student.display_name for t in issued)})",
    ]
    if len(issued) > REVOKED_INDEX:
        revoked = issued[REVOKED_INDEX]
        service.revoke_transcript(session, revoked, reason=REVOKE_REASON, actor=actor, revoked_by=registrar)
        # The student gets a fresh one, as would happen after a correction.
        issued.append(service.issue_transcript(session, revoked.student, settings, actor=actor, issued_by=registrar))
        lines.append(
            f"transcripts: revoked one of {revoked.student.display_name}'s and issued a replacement "
            f"(verify at /verify/{revoked.verification_code})"
        )
    lines.append(f"transcripts: an authentic one to check: /verify/{issued[0].verification_code}")
    return lines
