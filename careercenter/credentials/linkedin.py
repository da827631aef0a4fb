"""LinkedIn's documented "Add to profile" link for a certification (a transcript or a credential).

https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=…&organizationName=…
&issueYear=…&issueMonth=…&certUrl=…&certId=… opens the student's own profile form filled in;
nothing is sent to LinkedIn until the student saves it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(*, name: str, organization: str, issued_at: datetime, cert_url: str, cert_id: str) -> str:
    """The add-to-profile URL with the certification's name, issuer, issue month/year, id and URL."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
        "issueYear": str(issued_at.year),
        "issueMonth": str(issued_at.month),
        "certUrl": cert_url,
        "certId": cert_id,
    }
    return f"{ADD_TO_PROFILE}?{urlencode(query)}"


def for_credential(row: Any, config: Mapping[str, Any]) -> str:
    """For an issued OB 3.0 credential or CLR: its public status page is the certUrl."""
    uid = row.credential_id.rsplit(":", 1)[-1]
    return add_to_profile_url(
        name=str(row.document.get("name") or "Verifiable credential"),
        organization=config["INSTITUTION_NAME"],
        issued_at=row.issued_at,
        cert_url=f"{config['PUBLIC_URL']}/verify/credential/{uid}",
        cert_id=row.credential_id,
    )


def for_transcript(transcript: Any, config: Mapping[str, Any]) -> str:
    """For a signed transcript: its verification page is the certUrl, its code the certId."""
    return add_to_profile_url(
        name="Verified micro-internship transcript",
        organization=config["INSTITUTION_NAME"],
        issued_at=transcript.issued_at,
        cert_url=f"{config['PUBLIC_URL']}/verify/{transcript.verification_code}",
        cert_id=transcript.display_code,
    )
