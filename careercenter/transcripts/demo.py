"""Demo step: signed transcripts for demo students with verified work. The first student (Maya)
reissued hers, so she holds a superseded one and a current one; another's was revoked (lost in
the mail) and issued anew; a third student's name changed in the directory, and a reissue is
offered to them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.demo import Demo
from careercenter.transcripts import service, supersede
from careercenter.transcripts.signing import forget_signer, make_dev_signing_cert

#: How many demo students get a transcript, and which one of them (by order) sees it revoked.
MAX_TRANSCRIPTS = 3
REVOKED_INDEX = 1
RENAMED_INDEX = 2
REVOKE_REASON = "Lost: the copy mailed to an employer never arrived, so this one must no longer be relied on."
NEW_SURNAME = "-Vega"


def seed(session: Session, demo: Demo) -> list[str]:
    """Issue a transcript to the first demo students who have verified work; supersede, revoke, rename."""
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
    first = issued[0]
    current = supersede.reissue(
        session, first.student, settings, actor=Actor.person(first.student), issued_by=first.student
    )
    lines.append(f"transcripts: an authentic one to check: /verify/{current.verification_code}")
    lines.append(f"transcripts: a superseded one to check: /verify/{first.verification_code}")
    if len(issued) > REVOKED_INDEX:
        revoked = issued[REVOKED_INDEX]
        service.revoke_transcript(session, revoked, reason=REVOKE_REASON, actor=actor, revoked_by=registrar)
        service.issue_transcript(session, revoked.student, settings, actor=actor, issued_by=registrar)
        lines.append(
            f"transcripts: revoked one of {revoked.student.display_name}'s (lost in the mail) and issued a new one "
            f"(verify at /verify/{revoked.verification_code})"
        )
    if len(issued) > RENAMED_INDEX:
        student = issued[RENAMED_INDEX].student
        old_name = student.display_name
        student.display_name = old_name + NEW_SURNAME  # as a directory sync would
        supersede.offer_after_name_change(session, student, old_name=old_name, actor=Actor.system("directory"))
        lines.append(f"transcripts: {student.display_name} changed name; a reissue is offered on their home page")
    return lines
