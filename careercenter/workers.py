"""The loop every queue worker runs (`flask outbox run`, `flask webhooks run`, `flask jobs run`):
one pass now and, without `--once`, another every `poll` seconds until SIGTERM or Ctrl-C, each
pass in a fresh session. What a pass does, which lines it prints and how it meets a database
error stay with the worker (see each `cli.py`); how a pass claims its rows is `leases.py`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

import click

from careercenter.extensions import db


def run_until_stopped(one_pass: Callable[[], Iterable[str]], *, once: bool, poll: float) -> None:
    """Run `one_pass` and echo the lines it returns; with `once`, just once."""
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if not once:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    while True:
        for line in one_pass():
            click.echo(line)
        if once:
            return
        db.session.remove()
        if stop.wait(poll):
            return
