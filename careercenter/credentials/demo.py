"""Demo step: make the development issuing key if missing, and issue the demo students'
credentials so that `make run` shows them at once."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from careercenter.credentials import issuance, keys


def seed(session: Session, demo: object) -> list[str]:
    lines = []
    config = current_app.config
    if not config.get("VC_SIGNING_KEY") and not config.get("IS_PRODUCTION"):
        path, made = keys.write_dev_key(current_app.instance_path)
        if made:
            lines.append(f"credentials: made the development issuing key {path}")
    count = clrs = 0
    for student in demo.students():  # type: ignore[attr-defined]
        issued = issuance.record_credentials(session, student, config)
        count += len(issued)
        if issued:
            issuance.clr_for(session, student, config)
            clrs += 1
    lines.append(f"credentials: {count} Open Badges credential(s) and {clrs} CLR(s) issued; issuer at /issuer")
    return lines
