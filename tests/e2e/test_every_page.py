"""Every page of the demo, as every kind of person, in a real browser (issue 23's done-when test).

One server on the seeded demo and one crawl per person (anonymous, student, advisor, registrar,
admin) serve the whole module. Each page is checked at 320 CSS px and at desktop width: no
horizontal scrolling (WCAG 2.1 SC 1.4.10) and no serious or critical axe-core violation. Then
every form with something to fill in is submitted empty: the answer's title starts "Error:",
focus is on the error summary, and each of its links moves focus to its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from careercenter import create_app
from careercenter.demo import seed_demo
from careercenter.extensions import db
from tests.conftest import _truncate_all, make_test_config
from tests.peers.browser import axe_violations, format_violations
from tests.peers.live_server import LiveServer

PEOPLE = [None, "Maya Okafor", "Dana Whitfield", "Karen Mbeki", "Alex Morgan"]
NARROW, WIDE = 320, 1280
#: Links the walk does not follow: downloads, machine answers, sign-in machinery, signing out.
NOT_PAGES = re.compile(
    r"^/(logout|dev/login|login/|auth/|saml/|cas/|oauth/|api/|static/|metrics|healthz|readyz|favicon)"
    r"|\.(json|jwt|csv|pdf)$|/pdf$|/export\.json$"
)
#: Each person sees one page of each shape, or a few where records differ by state.
PER_SHAPE = {"/experiences/{n}": 4, "/credits/requests/{n}": 2, "/registrar/awards/{n}": 2, "/transcripts/{n}": 2}
#: Pages that look the same to everyone: checked once, by whoever reaches them first.
SHARED = re.compile(r"^/(dev/mailbox|verify|signoff|credits/rules|issuer|registrar/students/\{campus_id\}/)")
#: Pages read for their links even once their shape has been checked.
LINK_SOURCES = {"/dev/mailbox/{n}"}
PUBLIC_HOST = "careers.test"  # PUBLIC_URL of the test config: links in mail point there


def shape(path: str) -> str:
    """/experiences/12 -> /experiences/{n}; campus ids, verification codes and tokens likewise."""
    path = re.sub(r"/signoff/[^/]+", "/signoff/{token}", path)
    path = re.sub(r"/verify/[A-Z0-9]{20,}", "/verify/{code}", path)
    path = re.sub(r"/[A-Z]\d{4}\b", "/{campus_id}", path)
    path = re.sub(r"^/rules/[^/]+", "/rules/{code}", path)
    return re.sub(r"/\d+", "/{n}", path)


@dataclass
class Walk:
    """What the walk saw: pages (person, path), their problems, and the forms to submit empty."""

    pages: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    forms: list[tuple[str | None, str, int]] = field(default_factory=list)


@pytest.fixture(scope="module")
def demo_server(app: Any, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo campus, served for real (CSRF on) for the whole module."""
    _truncate_all(app)
    demo_app = create_app(make_test_config(database_url, Path(tmp_path_factory.mktemp("demo")), WTF_CSRF_ENABLED=True))
    with demo_app.app_context():
        seed_demo(db.session)
        db.session.commit()
    server = LiveServer(demo_app)
    try:
        yield server
    finally:
        server.stop()
        with demo_app.app_context():
            db.engine.dispose()
        _truncate_all(app)


def signed_in_context(browser: Any, server: LiveServer, person: str | None) -> Any:
    context = browser.new_context(viewport={"width": NARROW, "height": 800})
    context.set_default_timeout(15_000)
    if person:
        page = context.new_page()
        page.goto(f"{server.url}/dev/login")
        page.get_by_role("button", name=f"Sign in as {person}").click()
        page.wait_for_load_state()
        page.close()
    return context


def _links(page: Any, server: LiveServer) -> list[str]:
    out = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        parts = urlsplit(href)
        if parts.hostname not in ("127.0.0.1", PUBLIC_HOST) or (parts.port and parts.port != server.port):
            continue
        if parts.path and not NOT_PAGES.search(parts.path):
            out.append(parts.path)
    return out


def _check_layout(page: Any, who: str, path: str, problems: list[str]) -> None:
    for width in (NARROW, WIDE):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if scroll > 0:
            problems.append(f"{who} {path} at {width} px scrolls sideways by {scroll} px")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{who} {path} at {width} px: {format_violations(violations)}")
    page.set_viewport_size({"width": NARROW, "height": 800})


def _fillable_forms(page: Any) -> list[bool]:
    """For each POST form in <main>: whether it has a field a person must fill in (a form whose
    fields are all optional, marked `data-optional-fields`, is a valid action when sent empty)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main form[method=post]')].map(form =>
             !form.hasAttribute('data-optional-fields')
             && [...form.elements].some(e => ['INPUT','TEXTAREA','SELECT'].includes(e.tagName)
               && !['hidden','submit','button'].includes(e.type)))"""
    )


def walk_as(browser: Any, server: LiveServer, person: str | None, walk: Walk) -> None:
    who = person or "anonymous"
    context = signed_in_context(browser, server, person)
    page = context.new_page()
    start = ["/", "/verify", "/verify/credential", "/dev/mailbox", "/login"] if person is None else ["/"]
    queue, seen, per_shape = list(start), set(), {}
    shared_done = {shape(p) for _, p in walk.pages if SHARED.search(shape(p))}
    form_shapes: set[tuple[str, int]] = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        key = shape(path)
        if per_shape.get(key, 0) >= PER_SHAPE.get(key, 1) or key in shared_done:
            if key in LINK_SOURCES:  # read for its links (a sign-off mail leads to the supervisor's page)
                page.goto(server.url + path)
                queue.extend(p for p in _links(page, server) if p not in seen)
            continue
        response = page.goto(server.url + path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        final = urlsplit(page.url).path
        if final != path and final in seen:
            continue
        seen.add(final)
        per_shape[key] = per_shape.get(key, 0) + 1
        if SHARED.search(key) and per_shape[key] >= PER_SHAPE.get(key, 1):
            shared_done.add(key)
        walk.pages.append((who, final))
        if response.status >= 500:
            walk.problems.append(f"{who} {final}: HTTP {response.status}")
        _check_layout(page, who, final, walk.problems)
        for index, fillable in enumerate(_fillable_forms(page)):
            if fillable and (shape(final), index) not in form_shapes:
                form_shapes.add((shape(final), index))
                walk.forms.append((person, final, index))
        queue.extend(p for p in _links(page, server) if p not in seen)
    context.close()


@pytest.fixture(scope="module")
def walk(browser: Any, demo_server: LiveServer) -> Walk:
    result = Walk()
    for person in PEOPLE:
        walk_as(browser, demo_server, person, result)
    return result


def test_every_page_fits_a_phone_and_passes_axe(walk: Walk) -> None:
    visited = {shape(path) for _, path in walk.pages}
    # The walk really reached every role's pages (a broken link would shrink it silently).
    for expected in (
        "/student",
        "/experiences/{n}",
        "/credits/requests/{n}",
        "/transcripts/{n}",
        "/approvals",
        "/registrar/awards/{n}",
        "/registrar/outbox",
        "/registrar/students",
        "/admin",
        "/admin/people",
        "/admin/doctor",
        "/signoff/{token}",
        "/dev/mailbox/{n}",
        "/verify/{code}",
        "/credits/rules",
    ):
        assert expected in visited, f"the walk never reached {expected}"
    assert len(walk.pages) >= 40, len(walk.pages)
    assert not walk.problems, "\n".join(walk.problems)


def _empty(form: Any) -> None:
    form.evaluate(
        """form => { for (const e of form.elements) {
             if (e.type === 'checkbox' || e.type === 'radio') e.checked = false;
             else if (e.tagName === 'SELECT') e.value = '';
             else if (!['hidden','submit','button','file'].includes(e.type)) e.value = '';
           } }"""
    )


def test_every_form_submitted_empty_finds_the_error_summary(browser: Any, demo_server: LiveServer, walk: Walk) -> None:
    assert len(walk.forms) >= 10, walk.forms
    problems: list[str] = []
    contexts: dict[str | None, Any] = {}
    try:
        for person, path, index in walk.forms:
            if person not in contexts:
                contexts[person] = signed_in_context(browser, demo_server, person)
            page = contexts[person].new_page()
            page.goto(demo_server.url + path)
            form = page.locator("main form[method=post]").nth(index)
            _empty(form)
            form.locator("button[type=submit], input[type=submit]").last.click()
            page.wait_for_load_state()
            where = f"{person or 'anonymous'} {path} form {index}"
            problems.extend(f"{where}: {p}" for p in _summary_problems(page))
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)


def _summary_problems(page: Any) -> list[str]:
    problems = []
    if not page.title().startswith("Error: "):
        problems.append(f"title is {page.title()!r}")
    if not page.evaluate("document.activeElement.hasAttribute('data-error-summary')"):
        problems.append(f"focus is on {page.evaluate('document.activeElement.outerHTML.slice(0, 80)')}")
    links = page.locator("[data-error-summary] a")
    if links.count() == 0:
        problems.append("the error summary has no link to a field")
    for i in range(links.count()):
        target = (links.nth(i).get_attribute("href") or "").removeprefix("#")
        links.nth(i).click()
        focused = page.evaluate("document.activeElement.id")
        if focused != target:
            problems.append(f"link {i} ({target}) left focus on {focused!r}")
    if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
        problems.append("the error page scrolls sideways at 320 px")
    violations = axe_violations(page)
    if violations:
        problems.append(format_violations(violations))
    return problems


# ---- the patterns the walk cannot see by itself (run last: they change the demo) -------------


def test_deny_asks_in_a_dialog_and_fewer_credits_need_a_reason(browser: Any, demo_server: LiveServer) -> None:
    from playwright.sync_api import expect

    context = signed_in_context(browser, demo_server, "Dana Whitfield")
    page = context.new_page()
    try:
        page.goto(demo_server.url + "/approvals")
        boxes = page.locator("input[name=request_id]")
        assert boxes.count() >= 1
        page.get_by_label(re.compile(r"Select all eligible")).check()
        assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
        eligible = page.locator("tr", has=page.locator("input[name=request_id]")).first
        eligible.get_by_role("link").first.click()  # the request (the second link is the student's record)
        reason = page.get_by_label("Reason for fewer credits")
        expect(reason).to_be_hidden()
        page.get_by_label("Credits to grant").fill("0.5")
        expect(reason).to_be_visible()
        page.get_by_label("Comment").fill("This is not practicum work.")
        page.get_by_role("button", name="Deny").click()
        dialog = page.get_by_role("dialog", name=re.compile(r"Deny request \d+\?"))
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("cannot be reopened")
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()
        assert "/credits/requests/" in page.url  # nothing was sent
        page.get_by_role("button", name="Deny").click()
        page.get_by_role("button", name="Yes, deny the request").click()
        page.wait_for_url("**/approvals")
        expect(page.locator(".flash-success")).to_contain_text("denied")
    finally:
        context.close()


def test_without_javascript_withdraw_asks_on_a_page_of_its_own(browser: Any, demo_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{demo_server.url}/dev/login")
        page.get_by_role("button", name="Sign in as Maya Okafor").click()
        page.goto(demo_server.url + "/experiences")
        page.locator("tr", has_text="awaiting signoff").first.get_by_role("link").click()
        page.get_by_role("button", name="Withdraw the request").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Withdraw the sign-off request?"
        assert "stop working" in page.inner_text("main")
        page.get_by_role("button", name="Yes, withdraw the request").click()
        assert "The request is withdrawn" in page.inner_text("main")
    finally:
        context.close()
