"""`POST /validate` and `GET /findings` with the rules over analytics on
(`TRISKEL_ANALYTICS_RULES`), on both backends: the analytics graph is read while it describes
the network, and R24 says when it does not (the worker's view of the embedded store; the
remote engine's own graphs; the live findings, which `POST /analyse` brings up to date, and
which `POST /validate` of the embedded store is built from)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from service.reports.as_json import to_dict
from service.reports.history import Retention
from service.reports.model import Report
from service.reports.validations import Keeping, Options, Posted

CASE = Path(__file__).parents[1] / "shape_cases" / "R24-violating-missing.ttl"
SILO_AND_BROKER = {("R22", "-0.6"), ("R21", "https://example.org/case/o1")}
"""The silo data analysed: Operations is a silo, and o1, its one tie to Sales, a single
broker of the fulfilment practice."""
ANALYTICS_RULES = {"R21", "R22", "R23", "R24"}
MORE_ARC = """PREFIX sb: <https://w3id.org/social-business#>
INSERT DATA { GRAPH <urn:test:more> {
    <https://example.org/case/o3s1> sb:source <https://example.org/case/o3> ;
        sb:target <https://example.org/case/s1> } }"""

MORE_ARC_AND_SELF_ARC = """PREFIX sb: <https://w3id.org/social-business#>
INSERT DATA { GRAPH <urn:test:more> {
    <https://example.org/case/o3s1> sb:source <https://example.org/case/o3> ;
        sb:target <https://example.org/case/s1> .
    <https://example.org/case/o3o3> a sb:Arc ; sb:source <https://example.org/case/o3> ;
        sb:target <https://example.org/case/o3> } }"""
"""`MORE_ARC` (a new tie: the analysis goes stale) with an arc that breaks R16 (from a person
to themselves)."""


def _found(client: TestClient) -> set[tuple[str, str]]:
    """The analytics rules' findings of a full validation, which the live ones and a
    validation in a worker (the store read again, every rule run) equal."""
    answer = client.post("/validate")
    assert answer.status_code == 200, answer.text
    found = _of(answer.json()["results"])
    live = client.get("/findings", params={"limit": 100_000})
    assert live.status_code == 200, live.text
    assert _of(live.json()["results"]) == found
    assert _of(to_dict(_in_worker(client))["results"]) == found
    return found


def _in_worker(client: TestClient) -> Report:
    """The store validated by a worker reading it (by its engine, behind a remote store)."""
    store, validator = client.app.state.store, client.app.state.validator  # type: ignore[attr-defined]
    keeping = Keeping(Retention(), 10_000, writer=False)
    options = Options(analytics=client.app.state.settings.analytics_rules)  # type: ignore[attr-defined]
    report, _ = validator.run(store, Posted(), options, keeping, until=time.monotonic() + 60)
    return report


def _load_case(client: TestClient) -> None:
    """The silo-and-broker case in its own graph."""
    loaded = client.post(
        "/store",
        params={"graph": "urn:test:silo"},
        content=CASE.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert loaded.status_code in (201, 204), loaded.text


def _of(results: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(r["rule"], r["value"]) for r in results if r["rule"] in ANALYTICS_RULES}


def test_validation_reads_current_analytics_only(make_client: Callable[..., TestClient]) -> None:
    client = make_client(open=True, analytics_rules=True, person_metrics="read", min_group_size=1)
    _load_case(client)
    missing = {("R24", "missing or out of date")}
    assert _found(client) == missing
    assert client.post("/analyse").status_code == 200
    assert _found(client) == SILO_AND_BROKER
    assert client.post("/update", data={"update": MORE_ARC}).status_code in (200, 204)
    assert _found(client) == missing


def test_without_the_setting_the_analytics_are_not_read(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(open=True, person_metrics="read", min_group_size=1)
    _load_case(client)
    assert client.post("/analyse").status_code == 200
    assert _found(client) == set()


def test_a_guarded_write_may_make_the_analytics_stale(
    make_client: Callable[..., TestClient],
) -> None:
    """R24 never refuses a guarded write (the write cannot re-analyse itself): the write is
    made and R24 opens; a finding of another rule opened by the same write still refuses."""
    client = make_client(open=True, analytics_rules=True, person_metrics="read", min_group_size=1)
    _load_case(client)
    assert client.post("/analyse").status_code == 200
    guarded = {"guard": "violation"}
    broken = client.post("/update", params=guarded, data={"update": MORE_ARC_AND_SELF_ARC})
    assert broken.status_code == 409, broken.text
    assert {finding["rule"] for finding in broken.json()["findings"]} == {"R16"}
    assert _found(client) == SILO_AND_BROKER
    made = client.post("/update", params=guarded, data={"update": MORE_ARC})
    assert made.status_code in (200, 204), made.text
    assert _found(client) == {("R24", "missing or out of date")}
