"""The `flask doctor` check registry and the line each check reports.

`careercenter/doctor.py` holds the core checks and the command; domains keep their own checks
(`sso/doctor_checks.py`). None registers itself: `careercenter/wiring.py` adds them all here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask

TIMEOUT = 5.0
CERT_WARN_DAYS = 30


@dataclass(frozen=True)
class Result:
    status: str  # OK | WARN | FAIL
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name:<14} {self.detail}"


CheckFunc = Callable[[Flask, dict[str, Any]], Iterator[Result]]

#: every check `flask doctor` runs, in order; filled by `careercenter/wiring.py`.
CHECKS: list[CheckFunc] = []


def add_check(func: CheckFunc) -> None:
    """Run `func` in `flask doctor` (it yields one or more results). Adding it twice is a no-op."""
    if func not in CHECKS:
        CHECKS.append(func)


def one_line(exc: BaseException) -> str:
    """An exception as one short line, for a check's detail."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
