"""Access rules for transcripts: the student's own, registrar staff's desk, public verification."""

from __future__ import annotations

from typing import Any

from flask import current_app

from tests.access import ALLOWED, DENIED, HIDDEN, Rule, World, expect, public


def _transcript(world: World) -> dict[str, Any]:
    """A transcript issued to `world.student` (who gets a verified experience first)."""
    from careercenter.audit.service import Actor
    from careercenter.internships.models import ExperienceState
    from careercenter.transcripts import service
    from careercenter.transcripts.signing import make_dev_signing_cert

    make_dev_signing_cert(current_app.instance_path, current_app.config["INSTITUTION_NAME"])
    world.make["experience"](world.student, state=ExperienceState.VERIFIED)
    transcript = service.issue_transcript(
        world.session, world.student, service.settings_from_app(current_app), actor=Actor.system("access-table")
    )
    return {"id": transcript.id, "code": transcript.verification_code}


def _job(world: World) -> dict[str, Any]:
    """A queued transcript job of `world.student` (the "Preparing your transcript…" page)."""
    from careercenter.jobs import service as jobs

    job = jobs.enqueue(world.session, "transcript.issue", {"student_id": world.student.id}, owner_id=world.student.id)
    return {"job_id": job.id}


OWN = expect(student=200, other_student=HIDDEN, advisor=DENIED, registrar=200)

RULES = [
    Rule("GET", "/transcripts", expect(student=200)),
    Rule("POST", "/transcripts", expect(student=ALLOWED)),
    Rule(
        "GET",
        "/transcripts/requests/{job_id}",
        expect(student=200, other_student=HIDDEN, advisor=DENIED, registrar=DENIED),
        setup=_job,
    ),
    Rule(
        "GET",
        "/transcripts/requests/{job_id}.json",
        expect(student=200, other_student=HIDDEN, advisor=DENIED, registrar=DENIED),
        setup=_job,
    ),
    Rule("GET", "/transcripts/{transcript_id}", OWN, setup=lambda w: {"transcript_id": _transcript(w)["id"]}),
    Rule("GET", "/transcripts/{transcript_id}/pdf", OWN, setup=lambda w: {"transcript_id": _transcript(w)["id"]}),
    Rule(
        "POST",
        "/transcripts/{transcript_id}/revoke",
        expect(registrar=302),
        setup=lambda w: {"transcript_id": _transcript(w)["id"]},
        data={"reason": "Issued in error", "confirmed": "yes"},
    ),
    Rule(
        "POST",
        "/transcripts/{transcript_id}/reissue",
        expect(student=302, other_student=HIDDEN, advisor=DENIED, registrar=302),
        setup=lambda w: {"transcript_id": _transcript(w)["id"]},
    ),
    Rule("GET", "/registrar/transcripts", expect(registrar=200)),
    Rule(
        "POST",
        "/registrar/transcripts",
        expect(registrar=ALLOWED),
        data=lambda w: {"campus_id": w.student.campus_id},
    ),
    Rule("GET", "/verify", public(200)),
    Rule("POST", "/verify", public(422), data={}),
    Rule("GET", "/verify/{code}", public(200), setup=lambda w: {"code": _transcript(w)["code"]}),
    Rule("GET", "/verify/{code}.json", public(200), setup=lambda w: {"code": _transcript(w)["code"]}),
]
