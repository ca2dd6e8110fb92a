"""Live findings over HTTP: `GET /findings` equals a full validation after every write, every
write says what it opened and closed, and guarded writes are checked from their delta —
refused with the store and the findings unchanged, and never both passed when only their
sum breaks a rule (write skew)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.findings.saved import STATE_GRAPH
from service.namespaces import SBR
from service.settings import Settings
from tests.api.conftest import _start
from tests.api.test_api_guard import UPDATE, VIOLATING
from tests.api.test_api_validate import EX, TURTLE, load_example
from tests.oxigraph import endpoint_settings, remote_server

SB = "https://w3id.org/social-business#"
Key = tuple[Any, ...]
TEAM_GRAPH = "urn:test:team"
TEAM = f"""
@prefix ex: <{EX}> .
@prefix sb: <{SB}> .
@prefix org: <http://www.w3.org/ns/org#> .
ex:teamOrg a org:Organization .
ex:ana a sb:Person ; org:memberOf ex:teamOrg ; sb:usesTool ex:mail .
ex:ben a sb:Person ; org:memberOf ex:teamOrg ; sb:usesTool ex:mail .
ex:cai a sb:Person ; org:memberOf ex:teamOrg ; sb:usesTool ex:mail .
ex:mail a sb:Tool ; sb:toolCategory sb:email ; sb:supportsMedium sb:text .
ex:ab a sb:Arc ; sb:source ex:ana ; sb:target ex:ben ; sb:channel ex:mail .
ex:bc a sb:Arc ; sb:source ex:ben ; sb:target ex:cai ; sb:channel ex:mail .
ex:ca a sb:Arc ; sb:source ex:cai ; sb:target ex:ana ; sb:channel ex:mail .
ex:teamGoal a sb:Goal .
ex:teamWork a sb:Practice ; sb:hasGoal ex:teamGoal ; sb:ownedBy ex:teamOrg .
ex:teamTalk a sb:Conversation ; sb:enacts ex:teamWork ; sb:carriedBy ex:mail ;
    sb:medium sb:text ; sb:participant ex:ana, ex:ben, ex:cai .
"""
"""A clean team: one conversation of three people. Taking one participant away leaves it
clean; taking two leaves one participant (R13, a Violation)."""


def leave(person: str) -> str:
    triple = f"<{EX}teamTalk> <{SB}participant> <{EX}{person}>"
    return f"DELETE DATA {{ GRAPH <{TEAM_GRAPH}> {{ {triple} }} }}"


def results(client: TestClient, **params: Any) -> dict[str, Any]:
    answer = client.get("/findings", params={"limit": 100_000} | params)
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def live_keys(client: TestClient) -> set[Key]:
    return {
        (r["rule"], r["severity"], r["focus"], r["value"], r["path"])
        for r in results(client)["results"]
    }


def full_keys(client: TestClient) -> set[Key]:
    answer = client.post("/validate")
    assert answer.status_code == 200, answer.text
    return {
        (r["rule"], r["severity"], r["focus"], r["value"], r["path"])
        for r in answer.json()["results"]
    }


def canonical(client: TestClient) -> str:
    """SHA-256 of the sorted N-Quads of the whole store (as tests/hardening fingerprints)."""
    store = client.app.state.store  # type: ignore[attr-defined]
    dump = store.export(None, media_type="application/n-quads", dataset=True)
    lines = sorted(line for line in dump.decode().splitlines() if line.strip())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    made = make_client(open=True)
    load_example(made)
    return made


def test_live_findings_equal_a_full_validation_after_each_write(client: TestClient) -> None:
    assert live_keys(client) == full_keys(client)
    added = client.put("/store", params={"graph": "urn:test:x"}, content=VIOLATING, headers=TURTLE)
    assert added.status_code == 201
    assert int(added.headers["Triskel-Findings-Opened"]) >= 2  # R13: no tool, one participant
    assert added.headers["Triskel-Findings-Closed"] == "0"
    assert live_keys(client) == full_keys(client)
    fix = f"INSERT DATA {{ GRAPH <urn:test:x> {{ <{EX}convLonely> <{SB}carriedBy> <{EX}slack> }} }}"
    fixed = client.post("/update", content=fix, headers=UPDATE)
    assert fixed.status_code == 204
    assert int(fixed.headers["Triskel-Findings-Closed"]) >= 1
    assert live_keys(client) == full_keys(client)
    gone = client.delete("/store", params={"graph": "urn:test:x"})
    assert gone.status_code == 204
    assert int(gone.headers["Triskel-Findings-Closed"]) >= 1
    assert live_keys(client) == full_keys(client)


def test_filters_and_pages(client: TestClient) -> None:
    everything = results(client)
    total = everything["page"]["total"]
    assert total == len(everything["results"]) == sum(everything["counts"].values())
    assert everything["conforms"] is False
    first, second = (results(client, limit=3, offset=o)["results"] for o in (0, 3))
    assert [r["id"] for r in first + second] == [r["id"] for r in everything["results"][:6]]
    r13 = results(client, rule="R13")
    assert r13["results"] and {r["rule"] for r in r13["results"]} == {"R13"}
    warnings = results(client, severity="warning")
    assert {r["severity"] for r in warnings["results"]} == {"warning"}
    assert warnings["counts"]["violation"] == 0
    one = everything["results"][0]
    assert {r["focus"] for r in results(client, focus=one["focus"])["results"]} == {one["focus"]}
    practice = next(r["practices"][0] for r in everything["results"] if r["practices"])
    about = results(client, practice=practice)["results"]
    assert about and all(practice in r["practices"] for r in about)
    person = next(r["people"][0] for r in everything["results"] if r["people"])
    assert all(person in r["people"] for r in results(client, person=person)["results"])
    pair = results(client, layer_pair="practice/technology")["results"]
    assert pair and all({"practice", "technology"} <= set(r["layers"]) for r in pair)
    assert client.get("/findings", params={"limit": 100_001}).status_code == 400


def test_sort_orders_every_page_and_refuses_unknown_fields(client: TestClient) -> None:
    everything = results(client, sort="-focus")["results"]
    foci = [r["focus"] for r in everything]
    assert foci == sorted(foci, reverse=True) and len(set(foci)) > 1
    pages = [results(client, sort="-focus", limit=4, offset=o)["results"] for o in (0, 4, 8)]
    assert [r["id"] for p in pages for r in p] == [r["id"] for r in everything[:12]]
    rules = [r["rule"] for r in results(client, sort="rule")["results"]]
    assert rules == sorted(rules)
    weights = {"violation": 0, "warning": 1, "info": 2}
    severities = [weights[r["severity"]] for r in results(client, sort="severity")["results"]]
    assert severities == sorted(severities) and len(set(severities)) > 1
    bad = client.get("/findings", params={"sort": "-colour"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "colour" in bad.json()["detail"]


def test_search_before_paging(client: TestClient) -> None:
    everything = results(client)["results"]
    word = everything[-1]["focus"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    expected = [
        r["id"]
        for r in everything
        if any(word.lower() in (r[k] or "").lower() for k in ("focus", "value", "message", "rule"))
    ]
    found = results(client, q=word.upper())
    assert found["page"]["total"] == len(expected)
    assert [r["id"] for r in found["results"]] == expected
    paged = results(client, q=word, limit=1, offset=len(expected) - 1)["results"]
    assert [r["id"] for r in paged] == expected[-1:]
    r13 = results(client, q="r13")["results"]
    assert r13 and all("r13" in " ".join(str(v) for v in r.values()).lower() for r in r13)
    assert results(client, q="no finding says this")["page"]["total"] == 0


def test_organisation_filter_matches_alignment(client: TestClient) -> None:
    board = client.get("/alignment").json()
    org, line = next(
        (o, v) for o, v in board["organisations"].items() if sum(v["findings"].values())
    )
    found = results(client, organisation=org)
    assert found["counts"] == line["findings"]


@pytest.mark.parametrize(
    ("accept", "marker"),
    [
        ("text/turtle", b"ValidationResult"),
        ("application/n-triples", b"ValidationResult"),
        ("application/ld+json", b"ValidationResult"),
        ("text/plain", b"R13"),
    ],
)
def test_the_views_of_a_report(client: TestClient, accept: str, marker: bytes) -> None:
    answer = client.get("/findings", params={"rule": "R13"}, headers={"accept": accept})
    assert answer.status_code == 200, answer.text
    assert marker in answer.content
    assert int(answer.headers["Triskel-Findings-Total"]) == len(
        results(client, rule="R13")["results"]
    )


def test_a_refused_write_changes_neither_store_nor_findings(client: TestClient) -> None:
    store_before, findings_before = canonical(client), results(client)
    params = {"graph": "urn:test:x", "guard": "violation"}
    answer = client.put("/store", params=params, content=VIOLATING, headers=TURTLE)
    assert answer.status_code == 409
    breaking = f"DELETE WHERE {{ GRAPH ?g {{ <{EX}convDispatch1042> <{SB}carriedBy> ?tool }} }}"
    refused = client.post(
        "/update", params={"guard": "violation"}, content=breaking, headers=UPDATE
    )
    assert refused.status_code == 409
    assert canonical(client) == store_before
    assert results(client) == findings_before


def test_no_write_skew_between_two_guarded_writes(make_client: Callable[..., TestClient]) -> None:
    """Each update alone leaves two participants; together one (R13). One passes, every time."""
    client = make_client(open=True)
    for _ in range(10):
        put = client.put("/store", params={"graph": TEAM_GRAPH}, content=TEAM, headers=TURTLE)
        assert put.status_code in (201, 204), put.text
        assert results(client, severity="violation")["page"]["total"] == 0

        def guarded(person: str) -> httpx.Response:
            return client.post(
                "/update", params={"guard": "violation"}, content=leave(person), headers=UPDATE
            )

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(guarded, ["ana", "cai"]))
        assert sorted(a.status_code for a in answers) == [204, 409], [a.text for a in answers]
        assert results(client, severity="violation")["page"]["total"] == 0


def test_a_remote_store_written_behind_the_back_is_caught_up(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """Another client of the remote endpoint adds a Violation; the next read rebuilds once."""
    server = remote_server(request)
    httpx.post(server.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()
    settings = Settings(**endpoint_settings(server), open=True)
    client = _start(settings)
    try:
        load_example(client)
        before = live_keys(client)
        lonely = f"<{EX}convLonely> a <{SB}Conversation> ; <{SB}participant> <{EX}alba> ."
        behind = f"INSERT DATA {{ GRAPH <urn:test:behind> {{ {lonely} }} }}"
        httpx.post(server.update_url, data={"update": behind}).raise_for_status()
        with caplog.at_level("WARNING", logger="service.findings.state"):
            after = live_keys(client)
        assert "behind the service's back" in caplog.text
        assert after - before and {k[2] for k in after - before} == {f"{EX}convLonely"}
        assert after == full_keys(client)
    finally:
        client.__exit__(None, None, None)


def test_last_write_is_the_time_of_the_last_committed_write(
    make_client: Callable[..., TestClient],
) -> None:
    """`last_write` of `/findings`: none on a new store; a write sets it to its time (kept in
    the store's stamp, `sbr:lastWrite`); a refused or failed write leaves it."""
    client = make_client(open=True)
    assert results(client, limit=0)["last_write"] is None
    started = datetime.now(UTC).replace(microsecond=0)
    added = client.put("/store", params={"graph": "urn:test:x"}, content=TEAM, headers=TURTLE)
    assert added.status_code == 201, added.text
    last = results(client, limit=0)["last_write"]
    assert started <= datetime.fromisoformat(last) <= datetime.now(UTC)
    query = f"SELECT ?w WHERE {{ GRAPH <{STATE_GRAPH}> {{ ?s <{SBR.lastWrite}> ?w }} }}"
    stamp = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert [row["w"]["value"] for row in stamp.json()["results"]["bindings"]] == [last]
    params = {"graph": "urn:test:y", "guard": "violation"}
    refused = client.put("/store", params=params, content=VIOLATING, headers=TURTLE)
    assert refused.status_code == 409
    broken = client.put("/store", params={"graph": "urn:test:y"}, content=b"<a> <b", headers=TURTLE)
    assert broken.status_code == 400
    assert results(client, limit=0)["last_write"] == last
