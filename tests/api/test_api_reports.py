"""Report history: `/reports`, `/reports/{id}`, diffs, SPARQL over kept reports, `/alignment`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from service.reports.snapshot import canonical_hash
from tests.api.test_api_validate import EX, EXAMPLE, TURTLE, example_graph, load_example

ORG_GRAPH = example_graph(EXAMPLE / "organization.ttl")
PRACTICE_GRAPH = example_graph(EXAMPLE / "practice.ttl")
FIX_AND_ADD = f"""
PREFIX ex: <{EX}>
PREFIX sb: <https://w3id.org/social-business#>
PREFIX org: <http://www.w3.org/ns/org#>
INSERT DATA {{
  GRAPH <{ORG_GRAPH}> {{ ex:alba org:memberOf ex:larkspur . ex:newcomer a sb:Person . }}
  GRAPH <{PRACTICE_GRAPH}> {{ ex:communityEngagement sb:hasGoal ex:goalCommunity .
                              ex:goalCommunity a sb:Goal . }}
}}
"""
"""Fixes R17 on alba and R14 on communityEngagement; adds R17 on a newcomer."""


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    made = make_client(open=True)
    load_example(made)
    return made


def validate(client: TestClient) -> dict[str, Any]:
    answer = client.post("/validate")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def comparable(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results by id, without blank-node labels (the store gives kept blank nodes new ones)."""
    blank = {k for r in results for k, v in r.items() if isinstance(v, str) and v[:2] == "_:"}
    return sorted(({k: v for k, v in r.items() if k not in blank} for r in results), key=str)


def ids(results: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["rule"], r["focus"]) for r in results}


def test_diff_names_the_two_fixed_and_the_one_added(client: TestClient) -> None:
    first = validate(client)
    assert (
        client.post(
            "/update", content=FIX_AND_ADD, headers={"content-type": "application/sparql-update"}
        ).status_code
        == 204
    )
    second = validate(client)
    a, b = first["report"]["id"], second["report"]["id"]
    answer = client.get(f"/reports/{b}/diff", params={"against": a})
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert ids(diff["new"]) == {("R17", f"{EX}newcomer")}
    assert ids(diff["resolved"]) == {("R17", f"{EX}alba"), ("R14", f"{EX}communityEngagement")}
    assert diff["counts"] == {"new": 1, "resolved": 2, "still_open": len(first["results"]) - 2}
    by_id = {r["id"]: r for r in first["results"]}
    assert all(by_id[r["id"]] for r in diff["resolved"])
    text = client.get(f"/reports/{b}/diff", params={"against": a}, headers={"accept": "text/plain"})
    assert text.text.startswith("1 new, 2 resolved, ")


def test_history_is_listed_newest_first_and_read_back_whole(client: TestClient) -> None:
    first = validate(client)
    second = validate(client)
    listed = client.get("/reports").json()["reports"]
    assert [e["id"] for e in listed] == [second["report"]["id"], first["report"]["id"]]
    assert listed[0]["counts"] == first["counts"] == {"violation": 16, "warning": 8, "info": 1}
    assert listed[0]["fingerprint"] == listed[1]["fingerprint"], "history graphs leaked into data"
    assert listed[0]["fingerprint"].startswith("sha256:")
    assert listed[0]["shapes_version"] == listed[1]["shapes_version"]
    kept = client.get(f"/reports/{first['report']['id']}")
    assert kept.status_code == 200
    document = kept.json()
    assert comparable(document["results"]) == comparable(first["results"])
    for member in ("by_rule", "by_layer_pair", "by_practice", "by_organisation", "counts"):
        assert document[member] == first[member], member
    text = client.get(f"/reports/{first['report']['id']}", headers={"accept": "text/plain"})
    assert text.text.startswith("Validation does not conform")


def test_fingerprint_ignores_blank_node_labels_and_follows_the_data(client: TestClient) -> None:
    data = "[] a <urn:test:Thing> ; <urn:test:p> [ <urn:test:q> 1 ] ."
    client.put("/store", params={"graph": "urn:test:b"}, content=data, headers=TURTLE)
    first = validate(client)["report"]["fingerprint"]
    client.put("/store", params={"graph": "urn:test:b"}, content=data, headers=TURTLE)
    assert validate(client)["report"]["fingerprint"] == first
    client.put(
        "/store", params={"graph": "urn:test:b"}, content=data.replace("1", "2"), headers=TURTLE
    )
    assert validate(client)["report"]["fingerprint"] != first


def test_kept_reports_answer_sparql(client: TestClient) -> None:
    """A kept report's validation opens its findings; the ledger graph describes them."""
    kept = validate(client)["report"]
    query = """
    PREFIX sh: <http://www.w3.org/ns/shacl#>
    PREFIX sbr: <https://w3id.org/social-business/report#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT ?g (COUNT(?r) AS ?n) WHERE {
      GRAPH ?g { ?report a sh:ValidationReport ; prov:wasGeneratedBy ?v . ?v sbr:opened ?r }
      GRAPH <urn:triskel:ledger> { ?r a sh:ValidationResult ; sbr:rule "R09" }
    } GROUP BY ?g"""
    answer = client.post(
        "/sparql", data={"query": query}, headers={"accept": "application/sparql-results+json"}
    )
    rows = answer.json()["results"]["bindings"]
    assert [(r["g"]["value"], r["n"]["value"]) for r in rows] == [(kept["graph"], "2")]


def test_unknown_reports_are_404(client: TestClient) -> None:
    assert client.get("/reports/nope").status_code == 404
    assert client.get("/reports/bad%20id").status_code == 404
    kept = validate(client)["report"]["id"]
    missing = client.get(f"/reports/{kept}/diff", params={"against": "nope"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_kept_report_in_turtle_carries_its_metadata(client: TestClient) -> None:
    kept = validate(client)["report"]
    answer = client.get(f"/reports/{kept['id']}", headers={"accept": "text/turtle"})
    assert answer.headers["content-type"].startswith("text/turtle")
    assert kept["fingerprint"] in answer.text
    assert "sh:ValidationReport" in answer.text


def test_alignment_per_practice_and_organisation(client: TestClient) -> None:
    report = validate(client)
    answer = client.get("/alignment")
    assert answer.status_code == 200
    summary = answer.json()
    practice = summary["practices"][f"{EX}stockReplenishment"]
    scored = report["by_practice"][f"{EX}stockReplenishment"]
    for member in ("label", "conversations", "aligned", "score"):
        assert practice[member] == scored[member], member
    assert practice["findings"] == scored["counts"]
    assert sum(c["violation"] for c in practice["by_layer_pair"].values()) >= 1
    swiftline = summary["organisations"][f"{EX}swiftline"]
    assert swiftline["score"] == report["by_organisation"][f"{EX}swiftline"]["score"] == 1.0
    supply = summary["organisations"][f"{EX}supplyChain"]
    assert supply["practices"] == [f"{EX}stockReplenishment"]
    assert supply["findings"] == practice["findings"]
    assert supply["by_layer_pair"] == practice["by_layer_pair"]
    assert len(client.get("/reports").json()["reports"]) == 1, "GET /alignment keeps nothing"


def test_relabelling_only_blank_statements_is_full_canonicalisation() -> None:
    """RDFC-1.0 labels blank nodes from the statements that mention them, so hashing the
    others as written gives what canonicalising everything gives."""
    nquads = (
        b'_:x <urn:p> _:y <urn:g> .\n_:y <urn:p> "1" .\n<urn:s> <urn:p> <urn:o> .\n'
        b'<urn:s> <urn:q> "a _: b" <urn:g> .\n'
    )
    dataset = ox.Dataset(ox.parse(nquads, ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    full = b"".join(
        sorted(
            line + b"\n" for line in ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines()
        )
    )
    assert canonical_hash(nquads) == f"sha256:{hashlib.sha256(full).hexdigest()}"
    relabelled = nquads.replace(b"_:x", b"_:other").replace(b"_:y", b"_:x")
    assert canonical_hash(relabelled) == canonical_hash(nquads)
