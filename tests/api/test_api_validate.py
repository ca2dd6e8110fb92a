"""`POST /validate`: the store, one graph or a posted payload; shapes; formats; bad input."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import RDF, SH

from service.cli import main
from service.errors import LimitExceededError
from service.findings.state import quads_of
from service.reports.as_json import to_dict
from service.reports.history import Entry, Retention
from service.reports.model import Report
from service.reports.validations import Keeping, Options, Posted
from service.resources import DATA_DIR
from service.validation.entailed import EntailedData
from tests.live_writes import update

EXAMPLE = DATA_DIR / "example"
TURTLE = {"content-type": "text/turtle"}
UPDATE = "application/sparql-update"
EX = "https://example.org/larkspur/"
CUSTOM_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sb: <https://w3id.org/social-business#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:test:LabelledTool> a sh:NodeShape ; sh:name "X01" ; sh:targetClass sb:Tool ;
  sh:property [ sh:path <urn:test:reviewedBy> ; sh:minCount 1 ; sh:severity sh:Info ] .
"""
Key = tuple[str, str, str, str | None]


def example_graph(path: Path) -> str:
    """The graph `triskel load` would give an example file."""
    return f"urn:triskel:file:example/{path.name}"


def load_example(client: TestClient) -> None:
    for path in sorted(EXAMPLE.glob("*.ttl")):
        answer = client.put(
            "/store",
            params={"graph": example_graph(path)},
            content=path.read_bytes(),
            headers=TURTLE,
        )
        assert answer.status_code == 201, answer.text


def keys(document: dict[str, Any]) -> set[Key]:
    return {(r["rule"], r["severity"], r["focus"], r["value"]) for r in document["results"]}


def dataset(client: TestClient) -> list[str]:
    """Every quad of the store, sorted N-Quads lines (blank-node labels are the store's)."""
    store = client.app.state.store  # type: ignore[attr-defined]
    body = store.export(None, media_type="application/n-quads", dataset=True)
    return sorted(body.decode().splitlines())


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    made = make_client(open=True)
    load_example(made)
    return made


def test_the_store_gives_the_same_findings_as_the_cli(client: TestClient, tmp_path: Path) -> None:
    answer = client.post("/validate")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    output = tmp_path / "cli.json"
    assert main(["validate", str(EXAMPLE), "--format", "json", "--output", str(output)]) == 1
    expected = keys(json.loads(output.read_text()))
    document = answer.json()
    assert keys(document) == expected
    assert len(expected) >= 20
    assert document["conforms"] is False
    assert answer.headers["location"] == f"/reports/{document['report']['id']}"


def _by_worker_and_live(client: TestClient) -> list[tuple[Report, Entry | None]]:
    """The store validated by a worker reading it, and from its live findings."""
    store, validator = client.app.state.store, client.app.state.validator  # type: ignore[attr-defined]
    live = client.app.state.guard.live  # type: ignore[attr-defined]
    keeping = Keeping(Retention(), 10_000, writer=True)
    until = time.monotonic() + 60
    return [
        validator.run(store, Posted(), Options(), keeping, until=until, live=known)
        for known in (None, live)
    ]


def _unlabelled(report: Report) -> dict[str, Any]:
    """The report's JSON view, blank-node labels left out and results in id order (blank
    nodes are labelled anew by every parse)."""
    document = json.loads(re.sub(r'"_:[^"]*"', '"_:"', json.dumps(to_dict(report))))
    document["results"].sort(key=lambda r: (r["id"], json.dumps(r, sort_keys=True)))
    return document


def test_the_store_validated_from_the_live_findings_equals_a_worker_validation(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each of random writes (blank nodes among them, graphs dropped and moved), the
    report built from the live findings is the one a worker reading the store builds: the
    same results and ids, counts and scores, and the same fingerprint; and `POST /validate`
    takes that road, starting no worker."""
    rng = random.Random(10)
    store = client.app.state.store  # type: ignore[attr-defined]
    for _ in range(8):
        text = update(rng, quads_of(store))
        answer = client.post("/update", content=text, headers={"content-type": UPDATE})
        assert answer.status_code in (200, 204), answer.text
        (worker, kept), (known, entry) = _by_worker_and_live(client)
        assert _unlabelled(known) == _unlabelled(worker)
        assert kept is not None and entry is not None
        assert entry.fingerprint == kept.fingerprint
    assert any(r.id for r in worker.results)
    validator = client.app.state.validator  # type: ignore[attr-defined]
    monkeypatch.setattr(validator.pool, "run", None)  # a worker's task would fail
    answer = client.post("/validate")
    assert answer.status_code == 200, answer.text
    assert answer.json()["report"]["fingerprint"] == kept.fingerprint


@pytest.mark.backends("embedded")  # a remote store is validated on its engine, not live
def test_a_validation_of_unchanged_data_reuses_its_fingerprint(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint made from the live data is kept with the data's generation: a second
    `POST /validate` with no write between does not dump the data again and names the same
    fingerprint; after a write the data is dumped again, and its fingerprint is the one a
    worker reading the store gives."""
    dumps: list[int] = []
    user_nquads = EntailedData.user_nquads

    def noted(data: EntailedData) -> bytes:
        dumps.append(data.generation)
        return user_nquads(data)

    monkeypatch.setattr(EntailedData, "user_nquads", noted)
    client.app.state.guard.live.wait_ready()  # type: ignore[attr-defined]
    first = client.post("/validate").json()["report"]["fingerprint"]
    assert client.post("/validate").json()["report"]["fingerprint"] == first
    assert len(dumps) == 1
    rng = random.Random(3)
    store = client.app.state.store  # type: ignore[attr-defined]
    written = client.post(
        "/update", content=update(rng, quads_of(store)), headers={"content-type": UPDATE}
    )
    assert written.status_code in (200, 204), written.text
    (_, kept), (_, entry) = _by_worker_and_live(client)
    assert len(dumps) == 2 and dumps[1] != dumps[0]
    assert kept is not None and entry is not None
    assert entry.fingerprint == kept.fingerprint != first


def test_every_finding_speaks_business(client: TestClient) -> None:
    results = client.post("/validate").json()["results"]
    for result in results:
        assert re.fullmatch("[0-9a-f]{32}", result["id"]), "a content id (service.reports.terms)"
        assert result["meaning"] and result["remediation"] and result["label"], result
    r01 = next(r for r in results if r["rule"] == "R01")
    assert r01["practices"] == [f"{EX}collectionLaunch"]
    assert r01["people"] == [f"{EX}priya"], "a person value is who the finding is about"
    r04 = next(r for r in results if r["rule"] == "R04")
    assert r04["people"] == [f"{EX}hugo", f"{EX}isla"], "else the conversation's participants"
    about_conversations = [r for r in results if r["conversations"]]
    assert about_conversations and all(r["people"] for r in about_conversations)
    assert len({r["id"] for r in results}) == len(results), "one id per result"


def test_a_posted_payload_is_validated_and_not_stored(client: TestClient) -> None:
    before = dataset(client)
    body = (EXAMPLE / "practice.ttl").read_bytes()
    answer = client.post("/validate", content=body, headers=TURTLE)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert "report" not in document and "location" not in answer.headers
    assert any(r["rule"] == "R13" for r in document["results"])
    assert dataset(client) == before
    assert client.get("/reports").json() == {"reports": []}


def test_multipart_data_and_custom_shapes_without_builtin(client: TestClient) -> None:
    files = [
        ("data", ("technology.ttl", (EXAMPLE / "technology.ttl").read_bytes(), "text/turtle")),
        ("shapes", ("mine.ttl", CUSTOM_SHAPES.encode(), "application/octet-stream")),
    ]
    before = dataset(client)
    answer = client.post("/validate", files=files, params={"no_builtin": "true"})
    assert answer.status_code == 200, answer.text
    rules = {r["rule"] for r in answer.json()["results"]}
    assert rules == {"X01"}
    assert dataset(client) == before


def test_shapes_from_a_graph_of_the_store_next_to_the_builtin_rules(client: TestClient) -> None:
    shapes = "urn:test:shapes"
    put = client.put("/store", params={"graph": shapes}, content=CUSTOM_SHAPES, headers=TURTLE)
    assert put.status_code == 201
    document = client.post("/validate", params={"shapes_graph": shapes}).json()
    rules = {r["rule"] for r in document["results"]}
    assert "X01" in rules and "R01" in rules


def test_one_named_graph(client: TestClient) -> None:
    graph = example_graph(EXAMPLE / "technology.ttl")
    document = client.post("/validate", params={"graph": graph}).json()
    assert document["report"]["scope"] == graph
    assert {r["rule"] for r in document["results"]} <= {"R18", "R19"}
    assert document["results"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_the_report_in_rdf(client: TestClient, accept: str, media_type: str) -> None:
    answer = client.post("/validate", headers={"accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media_type)
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld"}.get(media_type, "nt")
    graph = Graph().parse(data=answer.text, format=fmt)
    report = graph.value(None, RDF.type, SH.ValidationReport, any=False)
    assert report is not None
    assert len(list(graph.objects(report, SH.result))) == 25


def test_the_report_as_text_and_406(client: TestClient) -> None:
    text = client.post("/validate", headers={"accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("Validation does not conform: 16 violation(s)")
    refused = client.post("/validate", headers={"accept": "image/png"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": "<a> <b> .", "headers": TURTLE}, 400),
        ({"content": "x", "headers": {"content-type": "image/png"}}, 415),
        ({"params": {"engine": "jena"}}, 400),
        ({"params": {"fail_on": "panic"}}, 400),
        ({"params": {"graph": "urn:test:absent"}}, 404),
        ({"files": [("shapes", ("s.ttl", b"<urn:a> <urn:b> <urn:c> .", "text/turtle"))]}, 400),
        ({"files": [("other", ("s.ttl", b"", "text/turtle"))]}, 400),
        ({"files": [("data", ("data", b"<urn:a> <urn:b> <urn:c> .", ""))]}, 415),
    ],
    ids=["broken-rdf", "not-rdf", "engine", "fail-on", "graph", "not-shacl", "part", "no-type"],
)
def test_bad_input_is_a_problem_and_stores_nothing(
    client: TestClient, kwargs: dict[str, Any], status: int
) -> None:
    before = dataset(client)
    answer = client.post("/validate", **kwargs)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"]
    assert dataset(client) == before


def test_broken_rdf_names_the_line(client: TestClient) -> None:
    answer = client.post(
        "/validate", content="<urn:a> <urn:b> <urn:c> .\n<a> <b> .", headers=TURTLE
    )
    assert answer.json()["line"] == 2


def test_past_the_budget_the_caller_is_answered_and_nothing_is_kept(
    make_client: Callable[..., TestClient],
) -> None:
    """A budget a hundred times shorter than validating the example takes."""
    client = make_client(open=True, validation_timeout_s=0.001)
    load_example(client)
    answer = client.post("/validate")
    assert answer.status_code == 503
    assert "TRISKEL_VALIDATION_TIMEOUT_S" in answer.json()["detail"]
    assert client.get("/health").status_code == 200


def test_a_run_past_its_budget_keeps_no_report(client: TestClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    validator = client.app.state.validator  # type: ignore[attr-defined]
    with pytest.raises(LimitExceededError):
        validator.run(
            store, Posted(), Options(), Keeping(Retention(), 10_000, writer=True), until=0.0
        )
    assert client.get("/reports").json() == {"reports": []}


def test_both_engines_agree_on_a_payload(module_client: TestClient) -> None:
    body = (EXAMPLE / "technology.ttl").read_bytes()
    found = {
        engine: keys(
            module_client.post(
                "/validate", params={"engine": engine}, content=body, headers=TURTLE
            ).json()
        )
        for engine in ("fast", "pyshacl")
    }
    assert found["fast"] == found["pyshacl"]
    assert found["fast"]
