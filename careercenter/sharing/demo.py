"""Demo step: Maya has a live share link (to an employer) and an expired one (to a school)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from careercenter.db import utcnow
from careercenter.sharing import service


def seed(session: Session, demo: Any) -> list[str]:
    maya = demo.people.get("maya")
    if maya is None:
        return []
    transcripts, credentials = service.shareable(session, maya)
    if not transcripts and not credentials:
        return []
    transcript_id = transcripts[0].id if transcripts else None
    live = service.create_share(
        session,
        maya,
        service.ShareRequest(
            recipient="Northwind Analytics (recruiting)",
            purpose="Application for the summer data analyst internship",
            transcript_id=transcript_id,
            credential_ids=[c.id for c in credentials[:2]],
            days=service.DEFAULT_DAYS,
            typed_name=maya.display_name,
        ),
    )
    service.create_share(
        session,
        maya,
        service.ShareRequest(
            recipient="Lakeside Community College (transfer office)",
            purpose="Transfer credit evaluation",
            transcript_id=None if credentials else transcript_id,
            credential_ids=[c.id for c in credentials[:1]],
            days=service.DEFAULT_DAYS,
            typed_name=maya.display_name,
        ),
        now=utcnow() - timedelta(days=45),  # made 45 days ago for 30 days: expired
    )
    url = f"{current_app.config['PUBLIC_URL']}/shared/{live.token}"
    return [
        f"share links: Maya Okafor has a live link (open it as the recipient: {url}) and an expired one; see /me/shares"
    ]
