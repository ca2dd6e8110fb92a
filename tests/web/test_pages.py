"""The dashboard in Debian's Chromium against a live `triskel serve --open` on the example:
every page shows the store's own numbers (read back from the JSON routes), the filters and
pages change the rows, the findings work by keyboard alone, YASGUI runs a named query,
axe-core finds no serious or critical violation on any page, and nothing is loaded from
another origin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from benchmarks import live
from benchmarks.browser import OfflinePage
from benchmarks.live import LiveServer
from service.reports.model import LAYERS
from service.resources import DATA_DIR
from tests.web.conftest import axe_violations, foreign_references, screenshot, visit

EX = "https://example.org/larkspur/"
PERSON = f"{EX}priya"
SB_IRI = "https://w3id.org/social-business#"
LAYER_PAIRS = (*LAYERS, *(f"{a}/{b}" for a, b in combinations(LAYERS, 2)))
"""Every key `layer_pair` takes: the Overview shows a row for each."""
LABEL = "<http://xmlns.com/foaf/0.1/name>"
SB = "PREFIX sb: <https://w3id.org/social-business#>"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DATA_GRAPHS = (
    'FILTER (!STRSTARTS(STR(?g), "urn:triskel:") || STRSTARTS(STR(?g), "urn:triskel:file:"))'
)

Opened = Callable[..., OfflinePage]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`triskel serve --open --load-if-empty data/example`, as `make serve` runs it, with two
    kept validations (the Overview's history)."""
    folder = tmp_path_factory.mktemp("web")
    args = ["--open", "--load-if-empty", str(DATA_DIR / "example")]
    running = live.start(
        args, env={"TRISKEL_STORE_PATH": str(folder / "store")}, log=folder / "log"
    )
    for _ in range(2):
        httpx.post(f"{running.url}/validate", timeout=60).raise_for_status()
    yield running
    running.stop()


def api(server: LiveServer, path: str, **params: Any) -> Any:
    answer = httpx.get(f"{server.url}{path}", params=params, timeout=60)
    answer.raise_for_status()
    return answer.json()


def select(server: LiveServer, query: str) -> list[dict[str, Any]]:
    answer = httpx.post(
        server.sparql,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()["results"]["bindings"]
    return rows


IDS = "rows => rows.map(r => r.dataset.id)"


def row_ids(page: Page) -> list[str]:
    return page.locator("tr.finding").evaluate_all(IDS)


def open_page(opened: Opened, server: LiveServer) -> Page:
    return opened(server.url).page


def test_overview_shows_the_store(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    assert visit(page, f"{server.url}/") == "/"
    found = api(server, "/findings", limit=0)
    assert page.inner_text("#findings-total") == str(found["page"]["total"])
    for severity, count in found["counts"].items():
        tile = page.locator(f'#severity-counts li[data-severity="{severity}"] .tile-count')
        assert tile.inner_text() == str(count)
    alignment = api(server, "/alignment")
    for table, entries in (("practices", "practices"), ("organisations", "organisations")):
        shown = page.locator(f"#{table}-table tbody tr").evaluate_all(
            "rows => rows.map(r => [r.dataset.iri, r.dataset.score])"
        )
        expected = {iri: entry["score"] for iri, entry in alignment[entries].items()}
        assert {iri for iri, _ in shown} == set(expected)
        for iri, score in shown:
            assert (float(score) if score else None) == expected[iri]
    shown_pairs = page.locator("#layer-pairs tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.layerPair)"
    )
    assert shown_pairs == list(LAYER_PAIRS)
    for pair in LAYER_PAIRS:
        counts = api(server, "/findings", limit=0, layer_pair=pair)["counts"]
        cells = page.locator(f'#layer-pairs tr[data-layer-pair="{pair}"] td').all_inner_texts()
        assert cells == [str(counts[s]) for s in ("violation", "warning", "info")]
    reports = api(server, "/reports")["reports"]
    assert page.inner_text("#last-validation") == reports[0]["created"]
    assert page.locator("svg.trend polyline").get_attribute("points").count(",") == len(reports)
    assert page.inner_text("#store-triples") == str(api(server, "/health")["triples"])
    screenshot(page, "overview")
    assert axe_violations(page) == []


def test_a_write_moves_the_overviews_last_write(server: LiveServer, opened: Opened) -> None:
    """The Overview shows `last_write` of `/findings`; a write (a label in a graph of its
    own, dropped afterwards: no finding changes) moves it to the time it was made."""
    page = open_page(opened, server)
    visit(page, f"{server.url}/")
    before = api(server, "/findings", limit=0)["last_write"]
    shown = before or "none through the service since the store was loaded"
    expect(page.locator("#last-write")).to_have_text(shown)
    graph = {"graph": "urn:test:last-write"}
    note = '<urn:test:note> <http://www.w3.org/2000/01/rdf-schema#label> "a note" .'
    started = datetime.now(UTC).replace(microsecond=0)
    written = httpx.put(
        f"{server.url}/store", params=graph, content=note, headers={"Content-Type": "text/turtle"}
    )
    try:
        assert written.status_code == 201, written.text
        last = api(server, "/findings", limit=0)["last_write"]
        moment = datetime.fromisoformat(last)
        assert started <= moment <= datetime.now(UTC)
        visit(page, f"{server.url}/")
        expect(page.locator("#last-write")).to_have_text(last)
        assert page.get_attribute("#last-write time", "datetime") == last
    finally:
        httpx.delete(f"{server.url}/store", params=graph).raise_for_status()


def test_filters_change_the_rows(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    visit(page, f"{server.url}/findings?limit=100")
    assert row_ids(page) == [r["id"] for r in api(server, "/findings", limit=100)["results"]]
    page.select_option("#filter-severity", "warning")
    expect(page).to_have_url(f"{server.url}/findings?severity=warning")
    warnings = api(server, "/findings", severity="warning", limit=50)
    expect(page.locator("#match-count")).to_have_text(
        f"{warnings['page']['total']} findings match."
    )
    assert row_ids(page) == [r["id"] for r in warnings["results"]]
    assert set(page.locator("tr.finding td:nth-child(2)").all_inner_texts()) == {"▲ warning"}
    page.go_back()  # the unfiltered view again, from the history
    expect(page.locator("#match-count")).to_have_text(
        f"{api(server, '/findings', limit=0)['page']['total']} findings match."
    )
    organisation, entry = next(iter(api(server, "/alignment")["organisations"].items()))
    page.select_option("#filter-organisation", organisation)
    by_org = api(server, "/findings", organisation=organisation, limit=50)
    expect(page.locator("#match-count")).to_have_text(f"{by_org['page']['total']} findings match.")
    assert row_ids(page) == [r["id"] for r in by_org["results"]]
    assert entry["label"] in page.locator("#filter-organisation option:checked").inner_text()


def test_a_bookmarked_filter_and_the_person_filter(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    visit(page, f"{server.url}/findings?rule=R04")
    expected = api(server, "/findings", rule="R04")["results"]
    assert expected, "the example has R04 findings"
    assert row_ids(page) == [r["id"] for r in expected]
    assert page.input_value("#filter-rule") == "R04"
    page.select_option("#filter-rule", "")
    page.fill("#filter-person", PERSON)
    page.click("#filters button[type=submit]")
    by_person = api(server, "/findings", person=PERSON)["results"]
    expect(page.locator("tr.finding")).to_have_count(len(by_person))
    assert row_ids(page) == [r["id"] for r in by_person]


def test_findings_by_keyboard_alone(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    visit(page, f"{server.url}/findings?limit=10")
    first = api(server, "/findings", limit=10)["results"][0]

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("tr.finding:first-of-type button.expand")
    page.keyboard.press("Enter")
    detail = page.locator(f"#detail-{first['id']}")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text(first["remediation"])
    for person in first["people"]:
        assert detail.locator(f'a[title="{person}"]').count() == 1
    page.keyboard.press("Enter")
    expect(detail).to_be_hidden()
    tab_to("#next-page")
    page.keyboard.press("Enter")
    second = api(server, "/findings", limit=10, offset=10)
    expect(page.locator("#page-position")).to_have_text(
        f"11\N{EN DASH}20 of {second['page']['total']}"
    )
    assert row_ids(page) == [r["id"] for r in second["results"]]
    assert page.url.endswith("offset=10")
    screenshot(page, "findings")
    page.click("tr.finding button.expand")  # a row's details open, for axe-core to see too
    assert axe_violations(page) == []


def test_sort_and_search_span_every_page(server: LiveServer, opened: Opened) -> None:
    """The service sorts and searches before paging: the second page continues the order,
    and a search finds what the first page does not show."""
    page = open_page(opened, server)
    visit(page, f"{server.url}/findings?limit=10")
    header = page.locator('th[data-column="rule"]')
    for order in ("ascending", "descending"):
        header.locator("button").click()
        expect(header).to_have_attribute("aria-sort", order)
    expect(page).to_have_url(f"{server.url}/findings?limit=10&sort=-rule")
    for offset in (0, 10):
        expected = api(server, "/findings", limit=10, offset=offset, sort="-rule")["results"]
        expect(page.locator("#page-position")).to_contain_text(f"{offset + 1}\N{EN DASH}")
        assert row_ids(page) == [r["id"] for r in expected]
        page.click("#next-page")
    everything = api(server, "/findings", limit=100_000, sort="-rule")["results"]
    rules = [r["rule"] for r in everything]
    assert rules == sorted(rules, reverse=True) and rules[20:] != rules[:20]
    page.fill("#search", "Prohibits")
    page.press("#search", "Enter")
    expect(page).to_have_url(f"{server.url}/findings?sort=-rule&q=Prohibits")
    found = api(server, "/findings", q="Prohibits", sort="-rule", limit=50)
    assert found["page"]["total"] > 0
    expect(page.locator("#match-count")).to_have_text(f"{found['page']['total']} findings match.")
    assert row_ids(page) == [r["id"] for r in found["results"]]
    fields = ("focus", "value", "message", "rule")
    assert all(any("prohibits" in (r[f] or "").lower() for f in fields) for r in found["results"])


def test_entity_page_from_a_finding(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    visit(page, f"{server.url}/findings?person={PERSON}")
    page.click("tr.finding button.expand")
    page.click(f'tr.detail a[title="{PERSON}"]')
    page.wait_for_url(f"{server.url}/entity?iri=*")
    page.wait_for_selector("body[data-ready]")
    label = select(server, f"SELECT ?l WHERE {{ GRAPH ?g {{ <{PERSON}> {LABEL} ?l }} }}")
    expect(page.locator("h1")).to_have_text(label[0]["l"]["value"])
    assert page.inner_text("#entity-types") == "Person"
    outgoing = select(
        server,
        f"SELECT DISTINCT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{PERSON}> ?p ?o }} {DATA_GRAPHS} }}",
    )
    expect(page.locator("#outgoing-table tbody tr")).to_have_count(len(outgoing))
    incoming = select(
        server,
        f"SELECT DISTINCT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p <{PERSON}> }} {DATA_GRAPHS} }}",
    )
    expect(page.locator("#incoming-table tbody tr")).to_have_count(len(incoming))
    findings = {r["id"] for r in api(server, "/findings", person=PERSON)["results"]}
    findings |= {r["id"] for r in api(server, "/findings", focus=PERSON)["results"]}
    expect(page.locator("#entity-findings-list li")).to_have_count(len(findings))
    page.click(f'#incoming-table a[title="{incoming[0]["s"]["value"]}"]')
    page.wait_for_selector("body[data-ready]")
    assert page.inner_text("p.iri") == incoming[0]["s"]["value"]
    screenshot(page, "entity")
    assert axe_violations(page) == []


def test_network_draws_the_store(server: LiveServer, opened: Opened) -> None:
    """As many nodes and edges as the store has people and arcs between people (read from
    the page's graph model), the arcs the findings name highlighted, search and filter."""
    page = open_page(opened, server)
    assert visit(page, f"{server.url}/network") == "/network"
    people = {r["p"]["value"] for r in select(server, f"{SB} SELECT ?p {{ ?p a sb:Person }}")}
    arcs = select(
        server,
        f"{SB} SELECT DISTINCT ?a ?s ?t {{ ?a a sb:Arc ; sb:source ?s ; sb:target ?t . "
        "?s a sb:Person . ?t a sb:Person }",
    )
    model = page.evaluate(
        """() => ({
            nodes: triskelNetwork.nodes(),
            edges: triskelNetwork.edges(),
            flagged: triskelNetwork.flagged(),
        })"""
    )
    assert set(model["nodes"]) == people and len(model["nodes"]) == len(people)
    expected = sorted([r["a"]["value"], r["s"]["value"], r["t"]["value"]] for r in arcs)
    assert sorted(model["edges"]) == expected
    results = api(server, "/findings", limit=100_000)["results"]
    named = {f["focus"] for f in results} | {f["value"] for f in results if f["value"]}
    assert set(model["flagged"]) == named & {r["a"]["value"] for r in arcs}
    assert model["flagged"], "the example has findings about arcs"
    name = select(server, f"SELECT ?n {{ GRAPH ?g {{ <{PERSON}> {LABEL} ?n }} }}")[0]["n"]["value"]
    page.fill("#person-search", name)
    page.dispatch_event("#person-search", "change")
    expect(page.locator("#person-panel h2")).to_have_text(name)
    degree = sum(PERSON in (r["s"]["value"], r["t"]["value"]) for r in arcs)
    expect(page.locator("#person-arcs li")).to_have_count(degree)
    organisation = page.locator("#network-organisation option").nth(1).get_attribute("value")
    page.select_option("#network-organisation", organisation)
    faded = page.evaluate("() => triskelNetwork.faded()")
    members = page.evaluate(
        "o => triskelNetwork.nodes().filter(n => triskelNetwork.organisation(n) === o)",
        organisation,
    )
    assert set(faded) == people - set(members) and 0 < len(members) < len(people)
    iterations = page.evaluate("() => triskelNetwork.settled")  # a promise: awaited
    assert iterations > 0, "ForceAtlas2 refined the first layout"
    expect(page.locator("#layout-status")).to_contain_text(f"({iterations} iterations)")
    other, at = page.evaluate(
        """async ([members, person]) => {
            document.activeElement.blur();  // no suggestion list of the search over the canvas
            const r = triskelNetwork.renderer;
            r.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1 });  // the whole network
            r.refresh();  // indexed and drawn now: what a click hits is what is read below
            await new Promise(requestAnimationFrame);
            const box = r.getContainer().getBoundingClientRect();
            for (const n of members.filter(m => m !== person)) {  // one no other node covers
                const at = r.graphToViewport(triskelNetwork.graph.getNodeAttributes(n));
                const page = { x: box.left + at.x, y: box.top + at.y };
                const top = document.elementFromPoint(page.x, page.y);  // nor the side panel
                if (r.getNodeAtPosition(at) === n && r.getContainer().contains(top)) {
                    return [n, page];
                }
            }
        }""",
        [members, PERSON],
    )
    page.mouse.click(at["x"], at["y"])  # a click opens the side panel
    expect(page.locator("#person-panel h2")).to_have_text(
        select(server, f"SELECT ?n {{ GRAPH ?g {{ <{other}> {LABEL} ?n }} }}")[0]["n"]["value"]
    )
    screenshot(page, "network")
    assert axe_violations(page) == []


def test_yasgui_runs_a_named_query(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    visit(page, f"{server.url}/query")
    queries = api(server, "/queries")
    tabs = page.locator(".tabsList .tab")
    expect(tabs).to_have_count(len(queries))
    assert axe_violations(page) == []
    named = next(q for q in queries if q["name"] == "prohibited-tools-in-use")
    page.get_by_role("tab", name=named["title"]).click()
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    answer = httpx.get(
        f"{server.url}/queries/{named['name']}",
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    rows = answer["results"]["bindings"]
    assert rows, "the example has prohibited tools in use"
    table = page.locator(".tabPanel.active .yasr .dataTable tbody tr")
    expect(table).to_have_count(len(rows))
    tool = rows[0][answer["head"]["vars"][0]]["value"]
    expect(page.locator(".tabPanel.active .yasr .dataTable")).to_contain_text(
        tool.rsplit("/", 1)[-1]
    )
    screenshot(page, "query")
    since = next(q for q in queries if q["name"] == "conversations-since")
    page.get_by_role("tab", name=since["title"]).click()
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    bound = httpx.get(
        f"{server.url}/queries/{since['name']}",
        params={"since": "2000-01-01"},  # the value the tab's VALUES line starts with
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    assert bound, "the example has conversations since 2000"
    expect(page.locator(".tabPanel.active .yasr .dataTable tbody tr")).to_have_count(len(bound))


def test_api_docs_are_served_offline(server: LiveServer, opened: Opened) -> None:
    page = open_page(opened, server)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Triskel")
    screenshot(page, "docs", full_page=False)
    page.goto(f"{server.url}/redoc")
    expect(page.locator("h1").first).to_contain_text("Triskel")
    screenshot(page, "redoc", full_page=False)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/findings",
        "/network",
        "/entity",
        "/query",
        "/diff",
        "/import",
        "/whatif",
        "/docs",
        "/redoc",
    ],
)
def test_pages_refer_to_no_other_origin(server: LiveServer, path: str) -> None:
    answer = httpx.get(f"{server.url}{path}", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert foreign_references(answer.text, server) == []


def test_findings_stays_json_for_clients(server: LiveServer) -> None:
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        answer = httpx.get(f"{server.url}/findings", headers=headers)
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["page"]["total"] > 0


def kept_report(server: LiveServer) -> str:
    """The id of a new kept validation of the store as it is now."""
    answer = httpx.post(f"{server.url}/validate", timeout=60)
    answer.raise_for_status()
    return answer.headers["Location"].rsplit("/", 1)[-1]


def test_diff_of_two_reports_around_a_write(server: LiveServer, opened: Opened) -> None:
    """A conversation with one participant and no tool written between two validations: the
    comparison lists its findings as opened, and the other way round as closed. The store is
    put back afterwards, for the module's other tests."""
    graph = {"graph": "urn:test:diff"}
    lonely = f"<{EX}convLonely> a <{SB_IRI}Conversation> ; <{SB_IRI}participant> <{PERSON}> ."
    before = kept_report(server)
    written = httpx.put(
        f"{server.url}/store", params=graph, content=lonely, headers={"Content-Type": "text/turtle"}
    )
    assert written.status_code == 201, written.text
    try:
        after = kept_report(server)
    finally:
        httpx.delete(f"{server.url}/store", params=graph).raise_for_status()
    diff = api(server, f"/reports/{after}/diff", against=before)
    opened_ids = [r["id"] for r in diff["new"]]
    assert opened_ids and diff["resolved"] == []
    assert all(r["focus"] == f"{EX}convLonely" for r in diff["new"])
    page = open_page(opened, server)
    visit(page, f"{server.url}/diff?report={after}&against={before}")
    counts = diff["counts"]
    summary = f"{counts['new']} opened, 0 closed, {counts['still_open']} still open"
    expect(page.locator("#diff-summary")).to_have_text(summary)
    assert page.locator("#opened tr.finding").evaluate_all(IDS) == opened_ids
    expect(page.locator("#closed")).to_have_text("No findings closed.")
    screenshot(page, "diff")
    assert axe_violations(page) == []
    page.select_option("#diff-report", before)
    page.select_option("#diff-against", after)
    page.click("#diff-form button[type=submit]")
    expect(page).to_have_url(f"{server.url}/diff?report={before}&against={after}")
    expect(page.locator("#closed tr.finding")).to_have_count(len(opened_ids))
    assert sorted(page.locator("#closed tr.finding").evaluate_all(IDS)) == sorted(opened_ids)
    assert page.locator("#opened tr.finding").count() == 0
