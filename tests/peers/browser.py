"""Debian's ``chromium`` driven by Playwright for Python, and an axe-core accessibility check.

Never run ``playwright install``: the browser is the system one at :data:`CHROMIUM`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING_IMPACTS = ("serious", "critical")


class BrowserUnavailable(RuntimeError):
    """Chromium (or the Playwright driver) is not installed."""


def launch_chromium(
    playwright: Playwright, *, headless: bool = True, args: Sequence[str] = (), **kwargs: Any
) -> Browser:
    """Launch the system chromium headless with the flags that work on these machines."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserUnavailable(
            f"{CHROMIUM} not found: install Debian's chromium (scripts/install-system-deps.sh); "
            "never use `playwright install`"
        )
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=headless,
        args=[*CHROMIUM_ARGS, *args],
        **kwargs,
    )


@contextmanager
def chromium_browser(*, headless: bool = True) -> Iterator[Browser]:
    """Start Playwright and chromium; close both on exit."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, headless=headless)
        try:
            yield browser
        finally:
            browser.close()


def _load_axe(page: Page) -> None:
    if not AXE_JS.is_file():
        raise BrowserUnavailable(f"{AXE_JS} missing: run `npm ci` (scripts/install-system-deps.sh)")
    if page.evaluate("typeof window.axe !== 'undefined'"):
        return
    try:
        page.add_script_tag(path=str(AXE_JS))
    except PlaywrightError:
        # A Content-Security-Policy without 'unsafe-inline' blocks the injected <script>
        # (the app's own CSP, most likely); evaluating over the DevTools protocol is not
        # subject to CSP.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")


def axe_violations(
    page: Page,
    *,
    tags: Sequence[str] = WCAG21_AA_TAGS,
    impacts: Sequence[str] = BLOCKING_IMPACTS,
    disable_rules: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """axe-core violations on the current page for ``tags`` with an impact in ``impacts``."""
    _load_axe(page)
    options: dict[str, Any] = {"runOnly": {"type": "tag", "values": list(tags)}}
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [v for v in result["violations"] if v.get("impact") in impacts]


def format_violations(violations: Sequence[dict[str, Any]]) -> str:
    """One paragraph per violation: impact, rule id, help text and target selectors."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, node.get("target", []))) for node in v["nodes"])
        lines.append(f"[{v.get('impact')}] {v['id']}: {v['help']} -> {targets}")
    return "\n".join(lines)


def check_accessibility(page: Page, *, disable_rules: Sequence[str] = ()) -> None:
    """Fail when axe-core finds serious or critical WCAG 2.1 A/AA violations on the page."""
    violations = axe_violations(page, disable_rules=disable_rules)
    if violations:
        raise AssertionError(
            f"{len(violations)} accessibility violation(s) on {page.url}:\n" + format_violations(violations)
        )
