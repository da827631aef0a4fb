"""Issue 21 item 1: Digital Bazaar's reference implementation (@digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite and the Bitstring Status List checker) verifies every kind of
credential the demo issues, over a live server on 127.0.0.1; a revoked one verifies as signed
and reports its status as revoked; a tampered one fails."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.credentials import status
from careercenter.credentials.models import CredentialKind, IssuedCredential
from careercenter.extensions import db
from tests.credentials.reference import verify_with_reference


def _documents(app: Any, **where: Any) -> list[dict[str, Any]]:
    with app.app_context():
        query = sa.select(IssuedCredential).filter_by(**where).order_by(IssuedCredential.id)
        rows = db.session.execute(query).scalars()
        out = [copy.deepcopy(r.document) | {"_kind": r.kind.value} for r in rows]
        db.session.remove()
    return out


def test_reference_verifier_accepts_every_kind_the_demo_issues(demo_server: Any) -> None:
    app, server = demo_server
    documents = _documents(app)
    kinds = {d.pop("_kind") for d in documents}
    assert kinds == {k.value for k in CredentialKind}
    results = verify_with_reference(server.url, documents)
    for document, result in zip(documents, results, strict=True):
        assert result["verified"] is True, (document["type"], result["error"])
        assert result["revoked"] is False
        for inner in result.get("embedded", []):
            assert inner["verified"] is True and inner["revoked"] is False, inner
    clrs = [r for d, r in zip(documents, results, strict=True) if "ClrCredential" in d["type"]]
    assert clrs and all(r["embedded"] for r in clrs)


def test_revoked_credential_verifies_as_signed_and_reports_revoked(demo_server: Any) -> None:
    app, server = demo_server
    with app.app_context():
        award = db.session.execute(
            sa.select(IssuedCredential).where(IssuedCredential.kind == CredentialKind.AWARD).limit(1)
        ).scalar_one()
        changed = status.revoke(db.session, award, actor=Actor.system("test"), reason="entered in error")
        db.session.commit()
        revoked_ids = {c.credential_id for c in changed}
        student_id = award.student_id
        db.session.remove()
    assert len(revoked_ids) >= 2  # the award's credential and the CLR that bundles it
    documents = _documents(app, student_id=student_id)
    for d in documents:
        d.pop("_kind")
    results = verify_with_reference(server.url, documents)
    for document, result in zip(documents, results, strict=True):
        assert result["verified"] is True, result["error"]
        assert result["revoked"] is (document["id"] in revoked_ids), document["id"]


@pytest.mark.parametrize("kind", [CredentialKind.EXPERIENCE, CredentialKind.AWARD, CredentialKind.CLR])
def test_tampered_credential_fails(demo_server: Any, kind: CredentialKind) -> None:
    app, server = demo_server
    document = _documents(app, kind=kind)[0]
    document.pop("_kind")
    tampered = copy.deepcopy(document)
    tampered["name"] = document["name"] + " (with honours)"
    results = verify_with_reference(server.url, [document, tampered])
    assert results[0]["verified"] is True, results[0]["error"]
    assert results[1]["verified"] is False
    assert results[1]["error"]
