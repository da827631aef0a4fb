"""Run Digital Bazaar's reference verifier (tests/credentials/verify_vc.mjs, Node) on credentials."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("verify_vc.mjs")
PROJECT = SCRIPT.parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def verify_with_reference(service_url: str, credentials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per credential: ``{"verified", "revoked", "error", "embedded"?}``."""
    node = shutil.which("node")
    assert node, "node is not installed (Debian package nodejs)"
    assert (PROJECT / "node_modules" / "@digitalbazaar" / "vc").exists(), "run `npm install` (package.json)"
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for n, credential in enumerate(credentials):
            path = Path(folder) / f"credential-{n}.json"
            path.write_text(json.dumps(credential))
            files.append(str(path))
        done = subprocess.run(
            [node, str(SCRIPT), "--service", service_url, *files],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=PROJECT,
        )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == len(credentials), done.stdout
    return lines
