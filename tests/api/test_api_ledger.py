"""The findings ledger through the API: one id per finding across its whole lifecycle, ids of
blank-node foci that survive export and reload (issue 10, item 5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.test_api_validate import EX, EXAMPLE, TURTLE, example_graph, load_example

ORG_GRAPH = example_graph(EXAMPLE / "organization.ttl")
PREFIXES = f"""
PREFIX ex: <{EX}>
PREFIX sb: <https://w3id.org/social-business#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX sbr: <https://w3id.org/social-business/report#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
UPDATE = {"content-type": "application/sparql-update"}
SPARQL_JSON = {"accept": "application/sparql-results+json"}


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    made = make_client(open=True)
    load_example(made)
    return made


def validate(client: TestClient) -> str:
    """Validate the store (kept: open mode writes) and return the kept report's id."""
    answer = client.post("/validate")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["report"]["id"])


def select(client: TestClient, query: str) -> list[dict[str, str]]:
    answer = client.post("/sparql", data={"query": PREFIXES + query}, headers=SPARQL_JSON)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def events(client: TestClient, rule: str, focus_pattern: str) -> list[tuple[str, str, str]]:
    """(report graph, event, finding) for every finding of `rule` whose focus matches."""
    rows = select(
        client,
        f"""SELECT ?g ?event ?finding WHERE {{
          GRAPH <urn:triskel:ledger> {{ ?finding a sh:ValidationResult ; sbr:rule "{rule}" ;
                                          sh:focusNode ?focus . {focus_pattern} }}
          GRAPH ?g {{ ?g prov:wasGeneratedBy ?v . ?v ?event ?finding }}
        }} ORDER BY ?g""",
    )
    return [(r["g"], r["event"].rsplit("#", 1)[-1], r["finding"]) for r in rows]


def update(client: TestClient, text: str) -> None:
    answer = client.post("/update", content=PREFIXES + text, headers=UPDATE)
    assert answer.status_code == 204, answer.text


def test_a_finding_opened_resolved_and_opened_again_is_three_events_under_one_id(
    client: TestClient,
) -> None:
    newcomer = f"GRAPH <{ORG_GRAPH}> {{ ex:newcomer a sb:Person }}"
    validate(client)
    update(client, f"INSERT DATA {{ {newcomer} }}")
    opened = validate(client)
    update(client, f"DELETE DATA {{ {newcomer} }}")
    closed = validate(client)
    validate(client)  # unchanged: no event
    update(client, f"INSERT DATA {{ {newcomer} }}")
    reopened = validate(client)
    found = events(client, "R17", "FILTER (?focus = ex:newcomer)")
    assert [(g.rsplit(":", 1)[-1], e) for g, e, _ in found] == [
        (opened, "opened"),
        (closed, "closed"),
        (reopened, "opened"),
    ]
    assert len({finding for _, _, finding in found}) == 1
    assert client.get(f"/reports/{closed}").json()["counts"]["warning"] == (
        client.get(f"/reports/{opened}").json()["counts"]["warning"] - 1
    )


def test_ids_of_blank_node_foci_survive_export_and_reload(client: TestClient) -> None:
    graph = "urn:test:blank"
    data = "[] a <https://w3id.org/social-business#Person> ; <urn:test:name> 'nobody' ."
    client.put("/store", params={"graph": graph}, content=data, headers=TURTLE)
    first = validate(client)
    blank = "FILTER (isBlank(?focus))"
    before = {finding for _, _, finding in events(client, "R17", blank)}
    assert len(before) == 1
    exported = client.get("/store", params={"graph": graph}, headers={"accept": "text/turtle"})
    client.delete("/store", params={"graph": graph})
    client.put("/store", params={"graph": graph}, content=exported.content, headers=TURTLE)
    second = validate(client)
    assert {finding for _, _, finding in events(client, "R17", blank)} == before
    assert [g.rsplit(":", 1)[-1] for g, _, _ in events(client, "R17", blank)] == [first]
    kept = client.get(f"/reports/{second}").json()
    assert any(r["rule"] == "R17" and r["focus"].startswith("_:") for r in kept["results"])
