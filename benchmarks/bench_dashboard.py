"""The Overview page's paint times on the example, in Debian's Chromium.

A live `triskel serve --open` on data/example (as `make serve` runs it) with one kept
validation; each run opens `/` in a fresh browser context (no cache) and reads, from the
page's Performance API, the first contentful paint (`first-contentful-paint`) and the moment
the Overview shows the store's numbers (the `triskel:ready` mark the dashboard sets). Target
(issue 14): first contentful paint of the Overview within 1 s on the example. Needs the
dashboard built (`make bench` builds it).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

from benchmarks.browser import launch, offline_page
from benchmarks.live import start
from service.resources import DATA_DIR

RUNS = 9
TARGET_MS = 1000.0
TIMES = """() => ({
    fcp: performance.getEntriesByName("first-contentful-paint")[0].startTime,
    ready: performance.getEntriesByName("triskel:ready")[0].startTime,
})"""


def one_run(browser: Browser, url: str) -> dict[str, float]:
    """Open the Overview in a fresh context; milliseconds to its first paint and its data."""
    opened = offline_page(browser, (url,))
    try:
        opened.page.goto(f"{url}/")
        opened.page.wait_for_selector('body[data-ready="/"]')
        times: dict[str, float] = opened.page.evaluate(TIMES)
        assert opened.foreign == [], opened.foreign
        return times
    finally:
        opened.close()


def measure(runs: int) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        server = start(
            ["--open", "--load-if-empty", str(DATA_DIR / "example")],
            env={"TRISKEL_STORE_PATH": str(Path(folder) / "store")},
            log=Path(folder) / "serve.log",
        )
        try:
            httpx.post(f"{server.url}/validate", timeout=120).raise_for_status()
            with sync_playwright() as playwright:
                browser = launch(playwright)
                one_run(browser, server.url)  # warm the server's caches, not the browser's
                found = [one_run(browser, server.url) for _ in range(runs)]
                browser.close()
        finally:
            server.stop()
    return found


def main(argv: list[str] | None = None) -> int:
    runs = int(argv[0]) if argv else RUNS
    found = measure(runs)
    fcp = statistics.median(t["fcp"] for t in found)
    ready = statistics.median(t["ready"] for t in found)
    print(f"Overview of the example, {runs} runs, fresh context each, median ms:")
    print(f"  first contentful paint {fcp:8.0f}   (target {TARGET_MS:.0f})")
    print(f"  numbers shown          {ready:8.0f}")
    return 0 if fcp <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
