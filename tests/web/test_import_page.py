"""The Import page in Debian's Chromium against a live `triskel serve` with tokens, on an empty
store: a reader sees the kinds, an import with the read token is refused for want of the
write role, the write token entered on the refusal imports; the dry run writes nothing and
shows the summary of `tests/import_cases/eventlog/malformed` (its counts and every skipped
item with where and why); the import without dry run writes the graph. A csv register is
sent with its file name, which picks its mapping (`people.csv`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from benchmarks import live
from benchmarks.browser import OfflinePage
from benchmarks.live import LiveServer
from tests.web.conftest import axe_violations, screenshot, visit

READ, WRITE = "read-1", "write-1"
CASE = Path(__file__).parent.parent / "import_cases" / "eventlog" / "malformed"
REGISTERS = Path(__file__).parent.parent / "import_cases" / "csv" / "registers"
COUNTS = ("people", "organisations", "tools", "practices", "conversations", "acts", "arcs")

Opened = Callable[..., OfflinePage]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web-import")
    env = {
        "TRISKEL_STORE_PATH": str(folder / "store"),
        "TRISKEL_TOKENS": f"read:{READ},write:{WRITE}",
    }
    running = live.start([], env=env, log=folder / "log")
    yield running
    running.stop()


def test_import_a_case_and_see_its_summary(server: LiveServer, opened: Opened) -> None:
    page = opened(server.url).page
    assert visit(page, f"{server.url}/import") == "error"  # no token: the token form
    page.fill("#token", READ)
    page.click("#token-form button")
    kinds = httpx.get(
        f"{server.url}/import/kinds", headers={"Authorization": f"Bearer {READ}"}
    ).json()["kinds"]
    expect(page.locator("#import-kind option")).to_have_count(len(kinds))
    assert page.input_value("#import-kind") == "eventlog"
    expect(page.locator("#import-options-hint")).to_contain_text("case (default")
    page.set_input_files("#import-file", CASE / "input.xes")
    assert page.is_checked("#import-dry-run")
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-refused [role=alert]")).to_contain_text("write role")
    page.fill("#write-token", WRITE)
    page.click("#use-write-token")
    expected = json.loads((CASE / "summary.json").read_text())
    expect(page.locator("#import-written")).to_have_text("no (dry run)")
    for name in COUNTS:
        assert page.inner_text(f'#import-summary dd[data-count="{name}"]') == str(expected[name])
    assert page.inner_text("#import-skipped-count") == str(expected["skipped_count"])
    rows = page.locator("#import-skipped tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert rows == [[item["where"], item["why"]] for item in expected["skipped"]]
    graph = page.inner_text("#import-graph")
    writer = {"Authorization": f"Bearer {WRITE}"}
    stored = httpx.get(f"{server.url}/store", params={"graph": graph}, headers=writer)
    assert stored.status_code == 404, "a dry run writes nothing"
    screenshot(page, "import")
    assert axe_violations(page) == []
    page.uncheck("#import-dry-run")
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-written")).to_have_text("yes")
    assert page.inner_text("#import-graph") == graph
    stored = httpx.get(f"{server.url}/store", params={"graph": graph}, headers=writer)
    assert stored.status_code == 200 and stored.text


def test_a_source_not_of_the_kind_is_refused_with_why(server: LiveServer, opened: Opened) -> None:
    page = opened(server.url).page
    page.goto(f"{server.url}/static/favicon.svg")
    page.evaluate("t => sessionStorage.setItem('triskel.token', t)", WRITE)
    visit(page, f"{server.url}/import")
    page.select_option("#import-kind", "mbox")
    page.set_input_files("#import-file", CASE / "summary.json")
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-error")).to_be_visible()
    detail = httpx.post(
        f"{server.url}/import/mbox",
        params={"dry_run": "true"},
        files={"source": ("summary.json", (CASE / "summary.json").read_bytes())},
        headers={"Authorization": f"Bearer {WRITE}"},
    ).json()["detail"]
    expect(page.locator("#import-error")).to_have_text(detail)


def test_a_csv_register_is_read_by_its_file_name(server: LiveServer, opened: Opened) -> None:
    """The csv kind reads a file by the register its name names (a file of another name is
    refused): the page sends each file with its name, so `people.csv` is read as the people
    register, and its skipped rows are named by that file."""
    page = opened(server.url).page
    page.goto(f"{server.url}/static/favicon.svg")
    page.evaluate("t => sessionStorage.setItem('triskel.token', t)", WRITE)
    visit(page, f"{server.url}/import")
    page.select_option("#import-kind", "csv")
    page.set_input_files("#import-file", REGISTERS / "input" / "people.csv")
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-written")).to_have_text("no (dry run)", timeout=120_000)
    case = json.loads((REGISTERS / "summary.json").read_text())
    expected = [
        [item["where"].removeprefix("input/"), item["why"]]
        for item in case["skipped"]
        if item["where"].startswith("input/people.csv:")
    ]
    rows = page.locator("#import-skipped tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert expected and rows == expected
    assert int(page.inner_text('#import-summary dd[data-count="people"]')) > 0
