#!/usr/bin/env python3
"""A small registrar-side client of the careercenter registrar API.

It gets an OAuth2 access token (client credentials), pulls every credit award changed since the
watermark saved by its last run, "posts" each pending award to the student-information system,
acknowledges the posting, and saves the new watermark. Run it on a schedule; running it twice
is harmless (postings are idempotent, and an award seen twice is simply skipped).

    export CAREERCENTER_URL=http://127.0.0.1:5000
    export REGISTRAR_CLIENT_ID=cc_…  REGISTRAR_CLIENT_SECRET=…     # from `flask api-clients create`
    python examples/registrar_sync.py --watermark-file sync.watermark

Replace `post_to_sis` with the real call into Banner, PeopleSoft or Workday Student.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 30


class Api:
    """The registrar API with a bearer token, renewed when it expires, and patient on 429."""

    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = (client_id, client_secret)
        self.http = requests.Session()
        self.token: str | None = None

    def fetch_token(self) -> None:
        response = self.http.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "client_credentials", "scope": "credits:read credits:write"},
            auth=self.auth,  # client_secret_basic
            timeout=TIMEOUT,
        )
        if response.status_code != 200:
            sys.exit(f"token request refused ({response.status_code}): {response.text}")
        self.token = response.json()["access_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        for _ in range(5):
            if self.token is None:
                self.fetch_token()
            response = self.http.request(
                method,
                f"{self.base_url}{path}",
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=TIMEOUT,
                **kwargs,
            )
            if response.status_code == 401:  # expired: get a new token and try again
                self.token = None
                continue
            if response.status_code == 429:
                time.sleep(int(response.headers.get("Retry-After", "1")))
                continue
            return response
        sys.exit(f"{method} {path}: giving up after repeated 401/429")


def post_to_sis(award: dict[str, Any]) -> str:
    """Stand-in for the SIS: record the course credit, return the SIS's reference for it."""
    course = award["course"]
    print(
        f"  SIS: {award['student']['campus_id']} {course['subject']} {course['number']} "
        f"{award['credits']} cr ({award['grading_basis']}) {award['term']}"
    )
    return f"SIS-{award['term']}-{award['student']['campus_id']}-{award['id']}"


def sync(api: Api, watermark_file: Path, limit: int = 100) -> int:
    """One run: pull from the watermark to the end, acknowledge pending awards; return how many."""
    since = watermark_file.read_text().strip() if watermark_file.exists() else None
    params: dict[str, Any] = {"limit": limit}
    if since:
        params["updated_since"] = since  # inclusive: the last award of the previous run comes again
    posted = 0
    last_seen = since
    while True:
        response = api.call("GET", "/api/v1/credit-awards", params=params)
        if response.status_code != 200:
            sys.exit(f"listing failed ({response.status_code}): {response.text}")
        page = response.json()
        for award in page["data"]:
            if award["status"] == "pending":
                reference = post_to_sis(award)
                ack = api.call(
                    "POST",
                    f"/api/v1/credit-awards/{award['id']}/posting",
                    json={"status": "posted", "sis_reference": reference, "note": "Posted by registrar_sync.py"},
                )
                if ack.status_code != 200:
                    print(f"  award {award['id']}: acknowledgement refused ({ack.status_code}): {ack.text}")
                else:
                    posted += 1
            last_seen = award["updated_at"]
        # Save progress after each page: an interrupted run resumes here next time.
        if last_seen:
            tmp = watermark_file.with_suffix(".tmp")
            tmp.write_text(last_seen + "\n")
            tmp.replace(watermark_file)
        if page["next_cursor"] is None:
            return posted
        params["cursor"] = page["next_cursor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("CAREERCENTER_URL", "http://127.0.0.1:5000"))
    parser.add_argument("--client-id", default=os.environ.get("REGISTRAR_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("REGISTRAR_CLIENT_SECRET"))
    parser.add_argument("--watermark-file", type=Path, default=Path("registrar_sync.watermark"))
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    if not args.client_id or not args.client_secret:
        parser.error("give --client-id/--client-secret or set REGISTRAR_CLIENT_ID/REGISTRAR_CLIENT_SECRET")
    api = Api(args.base_url, args.client_id, args.client_secret)
    posted = sync(api, args.watermark_file, args.limit)
    print(
        f"acknowledged {posted} award(s); watermark {args.watermark_file.read_text().strip() or '-'}"
        if args.watermark_file.exists()
        else f"acknowledged {posted} award(s); nothing changed yet"
    )


if __name__ == "__main__":
    main()
