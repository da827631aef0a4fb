"""Scale-out on PostgreSQL, end to end: two real gunicorn app servers and two outbox workers
(`flask outbox run`) share the test database and deliver to a real SMTP server. A burst of
supervisors' sign-offs, advisors' credit decisions and a registrar system's postings goes
through both servers at once, with duplicates and conflicts racing each other. Afterwards every
message was delivered exactly once, every decision is recorded exactly once (and two requests
of one student approved at once stay within the term's credit cap), and the audit chain is
still one linear chain (`flask audit verify`)."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.credits import approvals
from careercenter.credits import requests as credit_requests
from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, RequestState
from careercenter.extensions import db
from careercenter.internships import experiences, signoff
from careercenter.internships.models import Experience, ExperienceState, SignoffRequest
from careercenter.internships.signoff_checks import SignoffInput
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.registrar import service as registrar
from careercenter.sso.models import AdvisorAssignment, ClassLevel, Person, Role
from tests.credits.helpers import load_test_rules
from tests.peers.smtp import SmtpServer, free_port

pytestmark = pytest.mark.postgres_only  # deselected on SQLite (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = 20  # seconds, for every request the burst makes
SKILLS = ["communication", "problem solving"]


# ---- the processes ------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} (exit {self.popen.poll()}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Launcher:
    """Starts subprocesses with the shared environment; `stop_all` ends every one (finalizer)."""

    env: dict[str, str]
    logs: Path
    started: list[Process] = field(default_factory=list)

    def start(self, name: str, args: list[str], **extra_env: str) -> Process:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, *args],
                cwd=REPO,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def stop(self, process: Process, timeout: float = 10) -> None:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
            try:
                process.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait(5)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)

    def diagnostics(self) -> str:
        return "\n".join(p.tail() for p in self.started)


@pytest.fixture()
def launcher(database_url: str, tmp_path: Path) -> Iterator[Launcher]:
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CAREERCENTER_", "GUNICORN_", "PROMETHEUS_"))
        and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "CAREERCENTER_ENV": "development",  # the development login signs advisors in
            "SECRET_KEY": secrets.token_urlsafe(48),  # the same for every process: shared sessions
            "CAREERCENTER_INSTANCE_PATH": str(instance),
            "CAREERCENTER_PUBLIC_URL": "http://careers.test",
            "CAREERCENTER_PROXY_COUNT": "1",  # behind the load balancer: X-Forwarded-For names the client
            "CAREERCENTER_OUTBOX_POLL_SECONDS": "1",
            # the web servers queue mail for the workers (not straight into the dev mailbox)
            "CAREERCENTER_DEV_MAILBOX": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    made = Launcher(env, tmp_path)
    try:
        yield made
    finally:
        made.stop_all()


def start_app_server(launcher: Launcher, name: str, tmp_path: Path) -> tuple[Process, str]:
    port = free_port()
    metrics = tmp_path / f"metrics-{name}"
    metrics.mkdir()
    process = launcher.start(
        name,
        # The deploy/ configuration as shipped; gunicorn's control socket (one fixed path in
        # $HOME by default) is not used: two servers on one host would share it.
        ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(launcher: Launcher, servers: list[tuple[Process, str]], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    for process, url in servers:
        while True:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} exited\n{launcher.diagnostics()}")
            try:
                if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{process.name} not ready after {timeout}s\n{launcher.diagnostics()}")
            time.sleep(0.2)


# ---- the records, made through the services -------------------------------------------------


@dataclass
class Seeded:
    advisor_ids: list[int]
    signoff_tokens: list[str]  # one open link per experience awaiting sign-off
    signoff_experience_ids: list[int]
    request_ids: list[int]  # submitted credit requests, for the advisors
    request_pairs: list[tuple[int, int]]  # one student's two submitted requests, under one term cap
    award_ids: list[int]  # pending awards, for the registrar
    client_id: str
    client_secret: str


def _person(key: str, role: Role) -> Person:
    person = Person(
        campus_id=key.upper(),
        email=f"{key}@example.edu",
        display_name=f"{role.value.title()} {key}",
        program="Computer Science",
        class_level=ClassLevel.JUNIOR if role is Role.STUDENT else None,
        is_demo=True,
    )
    person.set_roles({role})
    db.session.add(person)
    return person


def _experience(student: Person, n: int, hours: str) -> Experience:
    today = date.today()
    return experiences.create_experience(
        db.session,
        student,
        experiences.ExperienceInput(
            employer=f"Employer {n}",
            title=f"Project {n}",
            start_date=today - timedelta(days=40),
            end_date=today - timedelta(days=10),
            hours=Decimal(hours),
            supervisor_name=f"Supervisor {n}",
            supervisor_email=f"supervisor{n}@employer.example.com",
            skills=list(SKILLS),
        ),
        Actor.person(student),
    )


def _signoff_form(name: str, hours: str) -> SignoffInput:
    return SignoffInput(
        hours_worked=Decimal(hours),
        ratings=dict.fromkeys(SKILLS, 4),
        feedback="Reliable and thorough.",
        willing_reference=True,
        attested=True,
        full_name=name,
    )


def _verified(student: Person, n: int) -> Experience:
    """A 90-hour micro-internship its supervisor confirmed (2 credits of INTR-295)."""
    experience = _experience(student, n, "90")
    _, token = signoff.request_signoff(db.session, experience, Actor.person(student))
    form = _signoff_form(f"Supervisor {n}", "90")
    signoff.confirm_signoff(db.session, token, form, ip="192.0.2.1", user_agent="seed")
    return experience


def _submit(student: Person, experience: Experience) -> CreditRequest:
    draft = credit_requests.prepare_request(db.session, student, "INTR-295", [experience.id], "")
    return credit_requests.submit_request(db.session, student, draft, Actor.person(student))


def seed(app: Any, *, links: int, requests_to_decide: int, awards: int, pairs: int) -> Seeded:
    """Students with a verified micro-internship and a submitted credit request each (some already
    approved, so the registrar has awards to post), students with two such requests (the rule
    allows 3 credits a term: only one of their 2-credit requests can be granted in full),
    experiences awaiting sign-off, two advisors assigned to everyone, and an API client: all
    through the services, committed."""
    with app.test_request_context():
        load_test_rules(db.session)
        advisors = [_person(f"advisor{i}", Role.ADVISOR) for i in range(2)]
        singles = max(links, requests_to_decide + awards)
        students = [_person(f"student{i}", Role.STUDENT) for i in range(singles + pairs)]
        db.session.flush()
        for advisor in advisors:
            for student in students:
                db.session.add(AdvisorAssignment(advisor_id=advisor.id, student_id=student.id))
        requests_made: list[CreditRequest] = []
        for i, student in enumerate(students[: requests_to_decide + awards]):
            requests_made.append(_submit(student, _verified(student, 100 + i)))
        request_pairs = []
        for i, student in enumerate(students[singles:]):
            first, second = _verified(student, 200 + 2 * i), _verified(student, 201 + 2 * i)
            request_pairs.append((_submit(student, first).id, _submit(student, second).id))
        award_ids = [
            approvals.approve(db.session, r, advisors[0], "Good work.").award.id  # type: ignore[union-attr]
            for r in requests_made[:awards]
        ]
        tokens, experience_ids = [], []
        for i, student in enumerate(students[:links]):
            experience = _experience(student, i, "20")
            tokens.append(signoff.request_signoff(db.session, experience, Actor.person(student))[1])
            experience_ids.append(experience.id)
        client = registrar.create_client(db.session, "Scale-out SIS", "credits:read credits:write")
        db.session.commit()
        seeded = Seeded(
            advisor_ids=[a.id for a in advisors],
            signoff_tokens=tokens,
            signoff_experience_ids=experience_ids,
            request_ids=[r.id for r in requests_made[awards:]],
            request_pairs=request_pairs,
            award_ids=award_ids,
            client_id=client.client.client_id,
            client_secret=client.secret,
        )
        db.session.remove()
    return seeded


# ---- the browser side --------------------------------------------------------------------


class _FormValues(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("type", "text") in {"hidden", "text"} and named.get("name"):
            self.values.setdefault(str(named["name"]), named.get("value") or "")


def form_values(html: str) -> dict[str, str]:
    """The values a browser would send back from a page's hidden and text inputs."""
    parser = _FormValues()
    parser.feed(html)
    return parser.values


def dev_login(url: str, person_id: int) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{url}/dev/login", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200
    token = form_values(page.text)["csrf_token"]
    answer = browser.post(
        f"{url}/dev/login",
        data={"person_id": person_id, "csrf_token": token},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def copy_of(browser: requests.Session) -> requests.Session:
    """The same signed-in person in another tab: its own cookie jar, so threads never share one."""
    tab = requests.Session()
    tab.cookies.update(browser.cookies)
    return tab


@dataclass
class Outcome:
    kind: str  # "signoff", "decision" or "posting"
    key: int  # the experience, credit request or award
    what: str  # confirm/dispute, approve/deny, or the posting's SIS reference or status
    status: int
    detail: str = ""  # decisions: won/lost; postings: the SIS reference (or status) answered


class Burst:
    """Requests fired at once from one thread each; task `n` uses server `n % 2` (and its
    form goes to the other server), so consecutive tasks, such as the two sides of a race,
    reach different servers."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.outcomes: list[Outcome] = []
        self.errors: list[str] = []
        self._tasks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def server(self, n: int) -> str:
        return self.urls[n % len(self.urls)]

    def add(self, body: Callable[[int], Outcome]) -> None:
        n = len(self._tasks)

        def run() -> None:
            try:
                outcome = body(n)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                with self._lock:
                    self.errors.append(f"task {n}: {type(exc).__name__}: {exc}")
            else:
                with self._lock:
                    self.outcomes.append(outcome)

        self._tasks.append(run)

    def __len__(self) -> int:
        return len(self._tasks)

    def run(self, timeout: float = 60) -> float:
        threads = [threading.Thread(target=task, daemon=True) for task in self._tasks]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.1, began + timeout - time.monotonic()))
        assert not any(t.is_alive() for t in threads), f"the burst did not finish in {timeout}s"
        return time.monotonic() - began

    def of(self, kind: str, key: int) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind and o.key == key]


def _race(size: int) -> threading.Barrier | None:
    """Both sides of a race have loaded their page; then they submit together."""
    return threading.Barrier(size, timeout=20) if size > 1 else None


# What the burst does, twice over (with the cap pairs, 74 requests in flight). Sign-off links 5 and 6
# of each round are submitted twice at once (a double click, or the supervisor's two tabs,
# reaching both servers) and link 7 confirmed and disputed at once; credit requests 6 and 7 are
# decided by both advisors at once; the registrar acknowledges award 4 twice with the same
# posting (idempotent) and award 5 with two different ones.
ROUNDS = 2
#: Students whose two requests are approved at once (each pair races only if both evaluations
#: happen before either commits, so there are several).
CAP_PAIRS = 8
SIGNOFFS = (
    [("confirm",)] * 4 + [("dispute",), ("confirm", "confirm"), ("confirm", "confirm"), ("confirm", "dispute")]
) * ROUNDS
DECISIONS = ([("approve",)] * 4 + [("deny",)] * 2 + [("approve", "deny"), ("approve", "approve")]) * ROUNDS


def _posted(reference: str) -> dict[str, str]:
    return {"status": "posted", "sis_reference": reference}


REJECTION = {"status": "rejected_by_registrar", "note": "Course not offered this term."}
POSTINGS: list[tuple[dict[str, str], ...]] = [
    posting
    for r in range(ROUNDS)
    for posting in (
        (_posted(f"BANNER-{r}-0"),),
        (_posted(f"BANNER-{r}-1"),),
        (_posted(f"BANNER-{r}-2"),),
        (REJECTION,),
        (_posted(f"BANNER-{r}-4"),) * 2,
        (_posted(f"BANNER-{r}-5A"), _posted(f"BANNER-{r}-5B")),
    )
]


def plan_signoffs(burst: Burst, seeded: Seeded) -> None:
    """Each supervisor opens the link on one server and submits on the other (the form's CSRF
    token is signed with the shared SECRET_KEY), from their own address via the load balancer."""

    def supervise(n: int, link: int, action: str, barrier: threading.Barrier | None) -> Outcome:
        token = seeded.signoff_tokens[link]
        browser = requests.Session()
        headers = {"X-Forwarded-For": f"198.51.100.{10 + n}", "User-Agent": f"supervisor-browser/{n}"}
        page = browser.get(f"{burst.server(n)}/signoff/{token}", headers=headers, timeout=HTTP_TIMEOUT)
        assert page.status_code == 200, page.status_code
        shown = form_values(page.text)
        if action == "confirm":
            path, data = (
                f"/signoff/{token}",
                {
                    "signoff-csrf_token": shown["signoff-csrf_token"],
                    "signoff-hours_worked": "18",
                    "signoff-q_communication": "5",
                    "signoff-q_problem_solving": "4",
                    "signoff-feedback": "Found the pattern we had missed for a year.",
                    "signoff-willing_reference": "y",
                    "signoff-attested": "y",
                    "signoff-full_name": f"Supervisor {link}",
                },
            )
        else:
            path, data = (
                f"/signoff/{token}/dispute",
                {
                    "dispute-csrf_token": shown["dispute-csrf_token"],
                    "dispute-reason": "The project ran for two weeks, not three.",
                    "dispute-full_name": f"Supervisor {link}",
                },
            )
        if barrier is not None:
            barrier.wait()
        answer = browser.post(f"{burst.server(n + 1)}{path}", data=data, headers=headers, timeout=HTTP_TIMEOUT)
        return Outcome("signoff", seeded.signoff_experience_ids[link], action, answer.status_code)

    for link, actions in enumerate(SIGNOFFS):
        barrier = _race(len(actions))
        for action in actions:
            burst.add(lambda n, link=link, action=action, barrier=barrier: supervise(n, link, action, barrier))


def plan_decisions(burst: Burst, seeded: Seeded, advisors: list[requests.Session]) -> None:
    """Single decisions alternate between the advisors; in a race each advisor takes one side.
    Each sends the form as the page filled it in (the credits the rule allows). The winner is
    sent to the queue, a loser back to the request (a Conflict's redirect); a request the rule no
    longer allows at those credits is refused with the form again (422)."""

    def decide(n: int, request_id: int, advisor: int, action: str, barrier: threading.Barrier | None) -> Outcome:
        tab = copy_of(advisors[advisor])
        page = tab.get(f"{burst.server(n)}/credits/requests/{request_id}", timeout=HTTP_TIMEOUT)
        assert page.status_code == 200, page.status_code
        shown = form_values(page.text)
        data = {
            "csrf_token": shown["csrf_token"],
            "version": shown["version"],
            "credits": shown["credits"],
            "action": action,
            "comment": "Well done." if action == "approve" else "This does not fit the practicum.",
            "confirmed": "yes",  # a deny asks first; this is the confirmed post
        }
        if barrier is not None:
            barrier.wait()
        answer = tab.post(
            f"{burst.server(n + 1)}/credits/requests/{request_id}/decision",
            data=data,
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        location = answer.headers.get("Location", "")
        result = {422: "refused"}.get(answer.status_code, "?")
        if answer.status_code == 303 and location.endswith("/approvals"):
            result = "won"
        elif answer.status_code == 303 and location.endswith(f"/credits/requests/{request_id}"):
            result = "lost"
        return Outcome("decision", request_id, action, answer.status_code, result)

    for index, actions in enumerate(DECISIONS):
        barrier = _race(len(actions))
        for side, action in enumerate(actions):
            advisor = side if len(actions) > 1 else index % 2
            request_id = seeded.request_ids[index]
            burst.add(lambda n, r=request_id, a=advisor, act=action, b=barrier: decide(n, r, a, act, b))
    # One student's two requests approved at once by the two advisors: the term cap holds.
    for pair in seeded.request_pairs:
        barrier = _race(2)
        for advisor, request_id in enumerate(pair):
            burst.add(lambda n, r=request_id, a=advisor, b=barrier: decide(n, r, a, "approve", b))


def plan_postings(burst: Burst, seeded: Seeded, api: dict[str, str]) -> None:
    """The registrar's sync job, several acknowledgements in flight with one bearer token."""

    def post(n: int, index: int, body: dict[str, str], barrier: threading.Barrier | None) -> Outcome:
        award_id = seeded.award_ids[index]
        if barrier is not None:
            barrier.wait()
        answer = requests.post(
            f"{burst.server(n)}/api/v1/credit-awards/{award_id}/posting", json=body, headers=api, timeout=HTTP_TIMEOUT
        )
        answered = ""
        if answer.status_code == 200:
            answered = answer.json()["sis_reference"] or answer.json()["status"]
        return Outcome("posting", award_id, body.get("sis_reference") or body["status"], answer.status_code, answered)

    for index, bodies in enumerate(POSTINGS):
        barrier = _race(len(bodies))
        for body in bodies:
            burst.add(lambda n, i=index, body=body, b=barrier: post(n, i, body, b))


def served_routes(process: Process) -> Counter[tuple[str, str, int]]:
    """(method, route, status) of every request in an app server's JSON request log."""
    seen: Counter[tuple[str, str, int]] = Counter()
    for line in process.log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"careercenter.request"' in line:
            entry = json.loads(line)
            seen[(entry["method"], entry["route"], entry["status"])] += 1
    return seen


def sent_by(process: Process) -> int:
    """Messages a worker reported sending (`outbox: sent N, …` after each busy pass)."""
    return sum(int(m) for m in re.findall(r"^outbox: sent (\d+),", process.log.read_text(), re.MULTILINE))


# ---- the test -----------------------------------------------------------------------------


def test_two_servers_and_two_workers_under_a_burst(committed_db: Any, launcher: Launcher, tmp_path: Path) -> None:
    app = committed_db
    clock = {"start": time.monotonic()}
    seeded = seed(app, links=len(SIGNOFFS), requests_to_decide=len(DECISIONS), awards=len(POSTINGS), pairs=CAP_PAIRS)

    with SmtpServer() as smtp:
        servers = [start_app_server(launcher, f"app{i}", tmp_path) for i in range(2)]
        workers = [
            launcher.start(
                f"worker{i}",
                ["-m", "flask", "--app", "wsgi", "outbox", "run"],
                CAREERCENTER_SMTP_HOST=smtp.host,
                CAREERCENTER_SMTP_PORT=str(smtp.port),
            )
            for i in range(2)
        ]
        wait_ready(launcher, servers)
        clock["ready"] = time.monotonic()
        urls = [url for _, url in servers]

        # CSRF is on, as in production: a form posted without its token is refused.
        forged = requests.post(
            f"{urls[0]}/dev/login", data={"person_id": seeded.advisor_ids[0]}, allow_redirects=False, timeout=5
        )
        assert forged.status_code == 400
        # Each advisor signs in on one server; the session cookie works on both.
        advisors = [dev_login(urls[i], seeded.advisor_ids[i]) for i in range(2)]
        token = requests.post(
            f"{urls[1]}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(seeded.client_id, seeded.client_secret),
            timeout=HTTP_TIMEOUT,
        )
        assert token.status_code == 200, token.text
        burst = Burst(urls)
        plan_signoffs(burst, seeded)
        plan_decisions(burst, seeded, advisors)
        plan_postings(burst, seeded, {"Authorization": f"Bearer {token.json()['access_token']}"})
        burst_seconds = burst.run()
        clock["burst"] = time.monotonic()
        assert not burst.errors, f"{burst.errors}\n{launcher.diagnostics()}"
        assert len(burst.outcomes) == len(burst)
        assert all(o.status < 500 for o in burst.outcomes), f"{burst.outcomes}\n{launcher.diagnostics()}"

        # The queue drains; then the workers stop and the SMTP server's mail is counted.
        deadline = time.monotonic() + 30
        with app.app_context():
            while True:
                queued, total = db.session.execute(
                    sa.select(
                        sa.func.count().filter(OutboxMessage.state == OutboxState.QUEUED),
                        sa.func.count(),
                    )
                ).one()
                db.session.rollback()
                if not queued and len(smtp.messages) >= total:
                    break
                assert time.monotonic() < deadline, f"{queued} message(s) still queued\n{launcher.diagnostics()}"
                time.sleep(0.2)
        clock["drained"] = time.monotonic()
        for process in [*workers, *(p for p, _ in servers)]:
            launcher.stop(process)
            assert process.popen.returncode == 0, launcher.diagnostics()
        received = Counter(str(m.message["Message-ID"]) for m in smtp.messages)

    check_answers(burst, seeded)
    # Both servers took every kind of write, and none failed.
    for process, _ in servers:
        routes = served_routes(process)
        assert not [r for r in routes if r[2] >= 500], routes
        for route in ("/signoff/<token>", "/credits/requests/<int:request_id>/decision"):
            assert any(m == "POST" and r == route for m, r, _ in routes), (process.name, route, routes)
        assert any(m == "POST" and r.endswith("/posting") for m, r, _ in routes), (process.name, routes)

    with app.app_context():
        outbox = db.session.execute(
            sa.select(OutboxMessage.message_id, OutboxMessage.state, OutboxMessage.attempts)
        ).all()
        # Every message delivered, exactly once, by Message-ID; nothing left queued or failed.
        twice = {k: v for k, v in received.items() if v > 1}
        assert not twice, f"delivered more than once: {twice}"
        assert set(received) == {row.message_id for row in outbox}
        assert {(row.state, row.attempts) for row in outbox} == {(OutboxState.SENT, 1)}
        split = [sent_by(worker) for worker in workers]
        assert sum(split) == len(outbox), split
        check_signoffs(burst, seeded)
        check_decisions(burst, seeded)
        check_term_caps(seeded)
        check_postings(burst, seeded)
        events = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
        db.session.rollback()

    # Still one linear chain: every event follows the one before it, none is missing.
    verify = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"],
        cwd=REPO,
        env=launcher.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.strip() == f"OK {events} events"
    print(
        f"\nscale-out: seeded and started in {clock['ready'] - clock['start']:.1f}s; {len(burst)} requests in "
        f"{burst_seconds:.1f}s; {len(received)} messages (workers sent {split[0]} + {split[1]}), queue empty "
        f"{clock['drained'] - clock['burst']:.1f}s after the burst; {events} audit events; "
        f"{time.monotonic() - clock['start']:.1f}s in all"
    )


def check_answers(burst: Burst, seeded: Seeded) -> None:
    """Per link, request and award: one submission won; every other one got its proper no."""
    for index, key in enumerate(seeded.signoff_experience_ids):
        answers = sorted(o.status for o in burst.of("signoff", key))
        # The loser of a race sees the page for a used link (404), which names no one.
        assert answers == [200] + [404] * (len(SIGNOFFS[index]) - 1), (index, answers)
    for index, key in enumerate(seeded.request_ids):
        answers = sorted(o.detail for o in burst.of("decision", key))
        assert answers == ["lost"] * (len(DECISIONS[index]) - 1) + ["won"], (index, burst.of("decision", key))
    for pair in seeded.request_pairs:
        answers = sorted(o.detail for key in pair for o in burst.of("decision", key))
        # Whichever came second found the term's 3 credits partly used: 2 are no longer allowed.
        assert answers == ["refused", "won"], [o for key in pair for o in burst.of("decision", key)]
    for index, key in enumerate(seeded.award_ids):
        outcomes, bodies = burst.of("posting", key), POSTINGS[index]
        assert len(outcomes) == len(bodies)
        if all(body == bodies[0] for body in bodies):  # the same posting, however often: 200 each time
            assert {(o.status, o.detail) for o in outcomes} == {(200, outcomes[0].what)}, outcomes
        else:  # different postings: the first wins, the other is told 409
            assert sorted(o.status for o in outcomes) == [200, 409], outcomes


def _events(action: str, subject_type: str, subject_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).where(
            AuditEvent.action == action,
            AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == str(subject_id),
        )
    ).scalar_one()


def _mails(kind: str, to: str, about: str = "") -> int:
    return db.session.execute(
        sa.select(sa.func.count()).where(
            OutboxMessage.kind == kind, OutboxMessage.to_address == to, OutboxMessage.subject.contains(about)
        )
    ).scalar_one()


def check_signoffs(burst: Burst, seeded: Seeded) -> None:
    """One outcome per link, as the submission that succeeded said: state, request, one audit
    event, one mail to the student."""
    for experience_id in seeded.signoff_experience_ids:
        experience = db.session.get(Experience, experience_id)
        assert experience is not None
        winner = next(o.what for o in burst.of("signoff", experience_id) if o.status == 200)
        done, other = ("confirmed", "disputed") if winner == "confirm" else ("disputed", "confirmed")
        state = ExperienceState.VERIFIED if winner == "confirm" else ExperienceState.DISPUTED
        assert experience.state is state, (experience_id, experience.state, winner)
        recorded = (
            _events(f"signoff.{done}", "experiences", experience_id),
            _events(f"signoff.{other}", "experiences", experience_id),
        )
        assert recorded == (1, 0), (experience_id, recorded)
        assert _mails(f"signoff.{done}", experience.student.email, f" at {experience.employer} ") == 1
        request = db.session.execute(
            sa.select(SignoffRequest).where(SignoffRequest.experience_id == experience_id)
        ).scalar_one()
        assert request.used_at is not None and request.outcome == done
        # The winner's own address, through the load balancer's X-Forwarded-For.
        assert request.ip_address is not None and request.ip_address.startswith("198.51.100.")
        if winner == "confirm":
            assert experience.verified_hours == Decimal("18")


def check_decisions(burst: Burst, seeded: Seeded) -> None:
    """One decision per request, as the winner made it: one audit event, one award per approval
    (with its own event), one mail to the student, and the version moved once."""
    for request_id in seeded.request_ids:
        request = db.session.get(CreditRequest, request_id)
        assert request is not None
        winner = next(o.what for o in burst.of("decision", request_id) if o.detail == "won")
        state = RequestState.APPROVED if winner == "approve" else RequestState.DENIED
        assert request.state is state, (request_id, request.state, winner)
        decided = (
            _events("credit_request.approved", "credit_requests", request_id),
            _events("credit_request.denied", "credit_requests", request_id),
        )
        assert decided == ((1, 0) if winner == "approve" else (0, 1)), (request_id, decided)
        awards = db.session.execute(sa.select(CreditAward).where(CreditAward.request_id == request_id)).scalars().all()
        assert len(awards) == (1 if winner == "approve" else 0)
        for award in awards:
            assert award.status is AwardStatus.PENDING
            assert _events("credit_award.created", "credit_awards", award.id) == 1
        assert _mails(f"credits.request_{state.value}", request.student.email) == 1
        assert request.version_id == 3  # submitted (2), then exactly one decision (3)


def check_term_caps(seeded: Seeded) -> None:
    """Two requests of one student decided at once: one award of 2 credits, the other request
    still waiting (its advisor may grant the 1 credit left), never 4 credits in a 3-credit term."""
    for pair in seeded.request_pairs:
        requests_ = [db.session.get(CreditRequest, request_id) for request_id in pair]
        assert sorted(r.state.value for r in requests_ if r) == ["approved", "submitted"]
        granted = (
            db.session.execute(sa.select(CreditAward.credits).where(CreditAward.request_id.in_(pair))).scalars().all()
        )
        assert granted == [Decimal("2")], granted
        for request in requests_:
            assert request is not None
            assert _events("credit_request.approved", "credit_requests", request.id) == (
                1 if request.state is RequestState.APPROVED else 0
            )


def check_postings(burst: Burst, seeded: Seeded) -> None:
    """Each award moved once, to what the accepted acknowledgement said, with one audit event."""
    for award_id in seeded.award_ids:
        award = db.session.get(CreditAward, award_id)
        assert award is not None
        accepted = next(o.detail for o in burst.of("posting", award_id) if o.status == 200)
        if accepted == AwardStatus.REJECTED_BY_REGISTRAR.value:
            assert (award.status, award.sis_reference) == (AwardStatus.REJECTED_BY_REGISTRAR, None)
            assert _events("award.rejected_by_registrar", "credit_awards", award_id) == 1
        else:
            assert (award.status, award.sis_reference) == (AwardStatus.POSTED, accepted)
            assert _events("award.posted", "credit_awards", award_id) == 1
        assert (
            _events("award.posted", "credit_awards", award_id)
            + _events("award.rejected_by_registrar", "credit_awards", award_id)
            == 1
        )
