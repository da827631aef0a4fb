"""Issue 18's "done when", in the demo: every authentic transcript lists only active records; a
superseded code says so on the page and in JSON; Maya's statement of disagreement is in the HTML
twin, the PDF and the API; page one of Maya's transcript holds all her experiences; an amendment
waits; a name change waits for a reissue."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from careercenter.amendments.demo import STATEMENT
from careercenter.amendments.models import AmendmentRequest, AmendmentState
from careercenter.transcripts.models import ReissueOffer, Transcript, TranscriptState
from tests.transcripts.conftest import run_tool
from tests.transcripts.test_one_status import assert_invariant


def test_the_demo_shows_records_that_stay_true(runner: Any, session: Any, client: Any, signing_pair: Any) -> None:
    result = runner.invoke(args=["seed-demo", "--no-history"])
    assert result.exit_code == 0, result.output
    [code] = re.findall(r"transcripts: a superseded one to check: /verify/([A-Z2-7]{32})", result.output)
    assert_invariant(client, session)
    body = client.get(f"/verify/{code}.json").get_json()
    assert body["status"] == "superseded" and body["superseded_at"]
    assert "superseded on" in client.get(f"/verify/{code}").get_data(as_text=True)

    old = session.execute(sa.select(Transcript).where(Transcript.verification_code == code)).scalar_one()
    maya = old.student
    assert maya.display_name == "Maya Okafor"
    current = session.get(Transcript, old.superseded_by_id)
    assert current.state is TranscriptState.ISSUED
    states = {r.state for r in session.execute(sa.select(AmendmentRequest)).scalars()}
    assert states == {AmendmentState.REQUESTED, AmendmentState.DENIED}
    page = client.get(f"/verify/{current.verification_code}").get_data(as_text=True)
    assert STATEMENT.replace("'", "&#39;") in page  # the HTML twin (the public page renders it too)
    text = run_tool("pdftotext", "-layout", "-", "-", input=current.pdf)
    pages = [p for p in text.split("\f") if p.strip()]
    for exp in current.snapshot["experiences"]:
        assert exp["employer"][:20] in pages[0], exp["employer"]
    assert "onboarding was part of the project brief" in " ".join(text.split())
    offers = session.execute(sa.select(ReissueOffer)).scalars().all()
    assert [o.cause for o in offers] == ["name_change"]
