"""The mixed load of bench/load.py, for locust (headless).

Students browse their dashboard and experiences and ask for transcripts; advisors open their
queue and approve the oldest request; a registrar system pulls awards through the API, 100 a
page, following the cursor. Who signs in as whom comes from the JSON file in BENCH_LOAD_PEOPLE
(written by bench/load.py): {"students": [...], "advisors": [...], "sessions": {person id: {"cookies": ...,
"csrf": ...}}, "client_id": ..., "client_secret": ...}.

The users are locust's `FastHttpUser` (geventhttpclient): on this machine the load generator
shares the two cores with the service, and `HttpUser` (requests) spent about 2.7 ms of CPU per
request there, a tenth of the machine.

Each HTTP request is its own figure: a form's POST is timed alone, and the page its redirect
leads to (a browser's next request) as a GET of that page. Until 2026-12-07 13:00 UTC locust
followed the redirect inside the POST's figure, so "the decision" was the POST and the queue
page after it together.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, task
from requests.cookies import create_cookie

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.scrape import REQUEST_LINK, VERSION  # noqa: E402

PEOPLE = json.loads(open(os.environ["BENCH_LOAD_PEOPLE"]).read())  # noqa: SIM115 - read once at import
_students = itertools.cycle(PEOPLE["students"])
_advisors = itertools.cycle(PEOPLE["advisors"])


class SignedIn(FastHttpUser):
    abstract = True
    person_id: int

    def sign_in(self, person_id: int) -> None:
        """Take the session bench/load.py opened for this person before the run (bench/scrape.py's
        `sign_in` says why the sign-in is not part of the load)."""
        session = PEOPLE["sessions"][str(person_id)]
        self.csrf = session["csrf"]
        for cookie in session["cookies"]:
            self.client.cookiejar.set_cookie(create_cookie(**cookie))


class Student(SignedIn):
    weight = 6
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.sign_in(next(_students))

    @task(5)
    def dashboard(self) -> None:
        self.client.get("/student", name="/student")

    @task(3)
    def experiences(self) -> None:
        self.client.get("/experiences", name="/experiences")

    @task(1)
    def transcripts(self) -> None:
        self.client.get("/transcripts", name="/transcripts")

    @task(1)
    def request_transcript(self) -> None:
        # Queues the transcript's job, then shows "Preparing your transcript…" (the redirect).
        post_then_follow(self, "/transcripts", {"csrf_token": self.csrf}, "/transcripts [issue]")


class Advisor(SignedIn):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.sign_in(next(_advisors))

    @task
    def approve_oldest(self) -> None:
        queue = self.client.get("/approvals", name="/approvals")
        match = REQUEST_LINK.search(queue.text)
        if not match:
            return
        request_id = match.group(1)
        detail = self.client.get(f"/credits/requests/{request_id}", name="/credits/requests/[id]")
        version = VERSION.search(detail.text)
        if not version:
            # No decision form: another advisor of this queue (the load shares advisors between
            # users) decided the step between the queue and this page. A person would not post.
            return
        data = {
            "csrf_token": self.csrf,
            "action": "approve",
            "version": version.group(1),
            "comment": "Approved in the benchmark.",
        }
        post_then_follow(self, f"/credits/requests/{request_id}/decision", data, "/credits/requests/[id]/decision")


def post_then_follow(user: FastHttpUser, url: str, data: dict[str, str], name: str) -> None:
    """POST a form (timed alone), then GET the page its redirect names, as a browser does."""
    response = user.client.post(url, data=data, name=name, allow_redirects=False)
    location = response.headers.get("Location") if response.status_code in (302, 303) else None
    if location:
        path = urlsplit(location).path
        user.client.get(path, name=re.sub(r"/\d+", "/[id]", path))  # ids folded: one figure a page


class RegistrarSystem(FastHttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        response = self.client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(PEOPLE["client_id"], PEOPLE["client_secret"]),
            name="/oauth/token",
        )
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        self.cursor: str | None = None

    @task
    def pull_page(self) -> None:
        params = {"limit": 100, **({"cursor": self.cursor} if self.cursor else {})}
        response = self.client.get(
            "/api/v1/credit-awards?" + urlencode(params), headers=self.headers, name="/api/v1/credit-awards"
        )
        if response.ok:
            self.cursor = response.json()["next_cursor"]
