"""`GET /network/graph` on the example: every person with their name and organisation, every
arc between two people with its ends, weight and channel tools, as the store says them
(read back by SPARQL); the read role is needed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_api_validate import load_example

SB = "PREFIX sb: <https://w3id.org/social-business#>"
ORG = "PREFIX org: <http://www.w3.org/ns/org#>"
NAME = "<http://xmlns.com/foaf/0.1/name>"


@pytest.fixture(scope="module")
def client(module_client: TestClient) -> TestClient:
    load_example(module_client)
    return module_client


def select(client: TestClient, query: str) -> list[dict[str, Any]]:
    answer = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["results"]["bindings"]
    return rows


def test_the_picture_is_the_stores_network(client: TestClient) -> None:
    answer = client.get("/network/graph")
    assert answer.status_code == 200
    found = answer.json()
    people = {p[0]: p for p in found["people"]}
    names = select(
        client,
        f"{SB} SELECT ?p ?n {{ ?p a sb:Person OPTIONAL {{ ?p {NAME} ?n }} }}",
    )
    assert set(people) == {r["p"]["value"] for r in names} and len(people) == len(found["people"])
    for row in names:
        assert people[row["p"]["value"]][1] == row.get("n", {}).get("value")
    larkspur = "https://example.org/larkspur/larkspur"
    assert people["https://example.org/larkspur/priya"][2] == larkspur
    tops: dict[str, set[str]] = defaultdict(set)  # the chain walked from each member, in one group
    for row in select(
        client,
        f"{SB} {ORG} SELECT ?p ?top {{ ?p a sb:Person ; org:memberOf ?unit . "
        "?unit (org:unitOf|org:subOrganizationOf)* ?top "
        "FILTER NOT EXISTS { ?top org:unitOf|org:subOrganizationOf ?above } }",
    ):
        tops[row["p"]["value"]].add(row["top"]["value"])
    for iri, _, organisation in found["people"]:
        assert organisation in tops[iri] if tops[iri] else organisation is None
    rows = select(
        client,
        f"{SB} SELECT ?a ?s ?t ?w ?c {{ ?a a sb:Arc ; sb:source ?s ; sb:target ?t . "
        "?s a sb:Person . ?t a sb:Person "
        "OPTIONAL { ?a sb:weight ?w } OPTIONAL { ?a sb:channel ?c } }",
    )
    expected: dict[str, tuple[str, str, float | None]] = {}
    channels: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        weight = float(r["w"]["value"]) if "w" in r else None
        expected[r["a"]["value"]] = (r["s"]["value"], r["t"]["value"], weight)
        if "c" in r:
            channels[r["a"]["value"]].add(r["c"]["value"])
    arcs = found["arcs"]
    assert len(arcs) == len(expected) and arcs
    for iri, source, target, weight, tools in arcs:
        ends = (found["people"][source][0], found["people"][target][0], weight)
        assert ends == expected[iri]
        assert {found["tools"][t] for t in tools} == channels[iri]
        assert len(tools) == len(set(tools))


def test_the_picture_needs_the_read_role(make_client: Callable[..., TestClient]) -> None:
    client = make_client(tokens="read:read-1")
    assert client.get("/network/graph").status_code == 401
    answer = client.get("/network/graph", headers={"Authorization": "Bearer read-1"})
    assert answer.status_code == 200 and answer.json() == {"people": [], "tools": [], "arcs": []}
