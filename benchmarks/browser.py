"""Debian's Chromium driven by Playwright, for the dashboard's tests and benchmark.

Never a browser Playwright downloads: `.ci/run` installs Debian's `chromium`, launched
headless with the switches that keep it off the network (no background requests, updates or
sync). `offline_page` opens a page whose every request to another origin is refused and
recorded, so a test can assert that a page needs nothing but the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

CHROMIUM = "/usr/bin/chromium"
"""Where Debian's `chromium` package installs the browser."""
SWITCHES = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def launch(playwright: Playwright) -> Browser:
    """Headless Chromium from the system package."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(SWITCHES))


@dataclass
class OfflinePage:
    """A page in its own context, and the foreign URLs it tried to load (all refused)."""

    context: BrowserContext
    page: Page
    foreign: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


def offline_page(browser: Browser, origins: tuple[str, ...]) -> OfflinePage:
    """A new context whose requests outside `origins` are aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = OfflinePage(context, context.new_page())

    def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith(tuple(f"{origin}/" for origin in origins)):
            route.continue_()
        else:
            opened.foreign.append(url)
            route.abort()

    context.route("**/*", guard)
    return opened
