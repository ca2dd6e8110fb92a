"""The What-if page in Debian's Chromium against a live `triskel serve --open` on the example:
a two-step scenario built in the form (an organisation bans a tool, a person leaves) shows
exactly what `POST /whatif` answers for it (findings opened and resolved by id, the
practices, conversations and customers affected, the network change), the scenario is kept
in the address and a bookmark of it shows the same impact, and a bad update or scenario
shows the service's own problem message. axe-core finds no serious violation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, expect

from benchmarks import live
from benchmarks.browser import OfflinePage
from benchmarks.live import LiveServer
from service.resources import DATA_DIR
from tests.web.conftest import axe_violations, screenshot, visit

EX = "https://example.org/larkspur/"
STEPS = [
    {"kind": "ban-tool", "organisation": f"{EX}larkspur", "tool": f"{EX}slack"},
    {"kind": "person-leaves", "person": f"{EX}maya"},
]
IDS = "rows => rows.map(r => r.dataset.id)"
IRIS = "items => items.map(i => i.dataset.iri)"

Opened = Callable[..., OfflinePage]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web-whatif")
    args = ["--open", "--load-if-empty", str(DATA_DIR / "example")]
    running = live.start(
        args, env={"TRISKEL_STORE_PATH": str(folder / "store")}, log=folder / "log"
    )
    yield running
    running.stop()


def whatif(server: LiveServer, body: str, content_type: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/whatif", content=body, headers={"Content-Type": content_type}, timeout=60
    )


def shown_impact(page: Page) -> dict[str, Any]:
    """What the page shows, in the shape of the route's answer."""

    def texts(selector: str) -> list[str]:
        return page.locator(selector).all_inner_texts()

    network = {
        key: {"before": int(cells[0]), "after": int(cells[1])}
        for key in ("people", "ties", "components")
        if (cells := texts(f'#whatif-network tr[data-key="{key}"] td'))
    }
    return {
        "delta": {
            "removed": int(page.inner_text("#whatif-removed")),
            "added": int(page.inner_text("#whatif-added")),
        },
        "counts": {
            "new": int(page.inner_text("#whatif-new-count")),
            "resolved": int(page.inner_text("#whatif-resolved-count")),
        },
        "new": page.locator("#whatif-new tr.finding").evaluate_all(IDS),
        "resolved": page.locator("#whatif-resolved tr.finding").evaluate_all(IDS),
        "affected": {
            kind: page.locator(f"#whatif-{kind} li").evaluate_all(IRIS)
            for kind in ("practices", "conversations", "customers")
        },
        "network": network,
        "unit_pairs": int(page.inner_text("#whatif-unit-pairs-count")),
        "articulation_points": int(page.inner_text("#whatif-articulation-count")),
        "brokerage": {
            role: int(page.inner_text(f'#whatif-brokerage tr[data-role="{role}"] td'))
            for role in page.locator("#whatif-brokerage tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.role)"
            )
        },
        "brokers": int(page.inner_text("#whatif-brokers-count")),
    }


def expected_impact(answer: dict[str, Any]) -> dict[str, Any]:
    """The route's answer, as `shown_impact` reads the page."""
    network = answer["network"]
    return {
        "delta": answer["delta"],
        "counts": answer["findings"]["counts"],
        "new": [r["id"] for r in answer["findings"]["new"]],
        "resolved": [r["id"] for r in answer["findings"]["resolved"]],
        "affected": {
            kind: answer["affected"][kind] for kind in ("practices", "conversations", "customers")
        },
        "network": {key: network[key] for key in ("people", "ties", "components")},
        "unit_pairs": network["unit_pairs_unreachable"]["count"],
        "articulation_points": network["new_articulation_points"]["count"],
        "brokerage": network["brokerage_lost"]["by_role"],
        "brokers": network["brokerage_lost"]["brokers"]["count"],
    }


def test_a_scenario_built_in_the_form_shows_the_routes_answer(
    server: LiveServer, opened: Opened
) -> None:
    page = opened(server.url).page
    assert visit(page, f"{server.url}/whatif") == "/whatif"
    assert page.get_attribute('nav a[href="/whatif"]', "aria-current") == "page"
    page.select_option("#whatif-kind", "ban-tool")
    page.select_option("#whatif-ban-tool-organisation", STEPS[0]["organisation"])
    page.select_option("#whatif-ban-tool-tool", STEPS[0]["tool"])
    page.click("#whatif-add-step")
    page.select_option("#whatif-kind", "person-leaves")
    expect(page.locator("#whatif-ban-tool-tool")).to_be_hidden()
    page.select_option("#whatif-person-leaves-person", STEPS[1]["person"])
    page.click("#whatif-add-step")
    expect(page.locator("#whatif-steps li")).to_have_count(2)
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-impact")
    answer = whatif(server, json.dumps({"steps": STEPS}), "application/json")
    assert answer.status_code == 200, answer.text
    expected = expected_impact(answer.json())
    assert expected["counts"]["new"] > 0 and expected["affected"]["conversations"]
    assert shown_impact(page) == expected
    screenshot(page, "whatif")
    assert axe_violations(page) == []
    bookmark = page.url
    assert "/whatif?scenario=" in bookmark
    assert visit(page, bookmark) == "/whatif"
    page.wait_for_selector("#whatif-impact")
    expect(page.locator("#whatif-steps li")).to_have_count(2)
    assert shown_impact(page) == expected


def test_one_step_alone_runs_without_adding_it(server: LiveServer, opened: Opened) -> None:
    page = opened(server.url).page
    visit(page, f"{server.url}/whatif")
    page.select_option("#whatif-kind", "person-leaves")
    page.select_option("#whatif-person-leaves-person", STEPS[1]["person"])
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-impact")
    answer = whatif(server, json.dumps({"steps": STEPS[1:]}), "application/json")
    assert shown_impact(page) == expected_impact(answer.json())


def test_bad_input_shows_the_services_problem(server: LiveServer, opened: Opened) -> None:
    page = opened(server.url).page
    visit(page, f"{server.url}/whatif")
    update = "INSERT DATA { <urn:a> <urn:b> }"
    page.fill("#whatif-update", update)
    page.click("#whatif-update-form button[type=submit]")
    refused = whatif(server, update, "application/sparql-update")
    assert refused.status_code == 400
    expect(page.locator("#whatif-error")).to_have_text(refused.json()["detail"])
    assert axe_violations(page) == []
    empty = json.dumps({"steps": []})
    visit(page, f"{server.url}/whatif?scenario={quote(empty)}")
    refused = whatif(server, empty, "application/json")
    assert refused.status_code == 400
    expect(page.locator("#whatif-error")).to_have_text(refused.json()["detail"])
