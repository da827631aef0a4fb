"""A peer that runs as its own Python process and says `READY <url>` on stdout when it serves.

The CAS server and the SAML IdP both run this way (`python -m tests.peers.<module> config.json`).
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


class PeerProcess:
    """Start `python -m module <config.json>`, wait for its READY line, keep its stderr, stop it."""

    def __init__(self, module: str, description: str, error: type[Exception], startup_timeout: float) -> None:
        self.module = module
        self.description = description
        self.error = error
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=300)

    def start(self, config: Mapping[str, Any], workdir: Path) -> str:
        """Write `config` as JSON into `workdir`, start the process, return the URL it is ready on."""
        path = workdir / "config.json"
        path.write_text(json.dumps(config))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", self.module, str(path)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._drain, args=(self._proc,), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        assert self._proc.stdout is not None
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if line.startswith("READY "):
                return line.split()[1]
            if not line and self._proc.poll() is not None:
                break
        self.close()
        raise self.error(f"the {self.description} did not start:\n" + self.stderr)

    def _drain(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr.append(line.rstrip())

    def close(self) -> None:
        """Stop the process (terminate, then kill after 5 s) and close its pipes."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None:
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        self._proc = None

    @property
    def stderr(self) -> str:
        return "\n".join(self._stderr)
