"""Transcript fixtures: the development signing pair, verified experiences, issuing. Credit
awards come from the one `make_award` factory (tests/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from careercenter.audit.service import Actor
from careercenter.sso.models import Person
from careercenter.transcripts import service
from careercenter.transcripts.signing import dev_paths, make_dev_signing_cert


@pytest.fixture(scope="session")
def signing_pair(app: Flask) -> tuple[Path, Path]:
    """The development key and certificate in the test instance folder (made once)."""
    key, cert, _made = make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
    assert (key, cert) == dev_paths(app.instance_path)
    return key, cert


@pytest.fixture()
def issue(app: Flask, session: Any, signing_pair: Any) -> Any:
    """Issue a transcript of `student` through the service (as the system)."""

    def do(student: Person, **kw: Any) -> Any:
        return service.issue_transcript(
            session, student, service.settings_from_app(app), actor=Actor.system("test"), **kw
        )

    return do


def run_tool(*args: str, input: bytes | None = None) -> str:
    """Run a command-line tool; return stdout + stderr as text (pdfsig exits 0 on failures too)."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed: run scripts/install-system-deps.sh", pytrace=False)
    done = subprocess.run(args, input=input, capture_output=True, timeout=60, check=False)
    return done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
