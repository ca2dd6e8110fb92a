"""Fixtures of the dashboard tests: Debian's Chromium (`benchmarks.browser`), pages that may
load nothing from another origin, axe-core from web/node_modules, and screenshots kept under
tests/web/screenshots (gitignored) as test artifacts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from benchmarks.browser import OfflinePage, launch, offline_page
from benchmarks.live import LiveServer
from service.resources import ROOT

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).parent / "screenshots"
SERIOUS = ("serious", "critical")
WAIT_MS = 30_000
"""How long an expectation waits for the page. Playwright's 5 s is a desktop's figure: on a
loaded 2-core machine Swagger UI alone took longer to draw, and a slow draw is not a wrong one
(speed is measured by the benchmarks, not here)."""

expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module."""
    with sync_playwright() as playwright:
        running = launch(playwright)
        yield running
        running.close()


@pytest.fixture
def opened(browser: Browser) -> Iterator[Callable[..., OfflinePage]]:
    """`opened(*origins)`: a fresh page that may load from `origins` only; after the test,
    no page opened this way tried to load anything else."""
    pages: list[OfflinePage] = []

    def open_page(*origins: str) -> OfflinePage:
        pages.append(offline_page(browser, origins))
        return pages[-1]

    yield open_page
    foreign = [url for page in pages for url in page.foreign]
    for page in pages:
        page.close()
    assert foreign == [], "pages loaded from another origin"


def visit(page: Page, url: str) -> str:
    """Open `url` and wait until the dashboard shows its data (or an error, returned)."""
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    return str(page.get_attribute("body", "data-ready"))


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Keep a screenshot as a test artifact (of the whole page, or of the window only for
    long pages such as the API docs)."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as shown, with the nodes hit."""
    page.add_script_tag(path=AXE)
    results = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]


FOREIGN_URL = re.compile(r"""https?://[^\s"'<>)]+""", re.I)


def foreign_references(html: str, server: LiveServer) -> list[str]:
    """Every http(s) URL written in an HTML page that is not the server's own."""
    return [url for url in FOREIGN_URL.findall(html) if not url.startswith(server.url)]
