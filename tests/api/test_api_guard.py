"""Guard mode: `?guard=violation|warning` on `/store` and `/update` refuses writes that would
add findings (409 with them, the store byte for byte unchanged) and lets clean writes through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import EVERY_ENGINE
from tests.api.test_api_validate import EX, EXAMPLE, TURTLE, dataset, example_graph, load_example

ORG_GRAPH = example_graph(EXAMPLE / "organization.ttl")
UPDATE = {"content-type": "application/sparql-update"}
NEW_GRAPH = {"graph": "urn:test:new"}
VIOLATING = f"""
@prefix ex: <{EX}> .
@prefix sb: <https://w3id.org/social-business#> .
ex:convLonely a sb:Conversation ; sb:enacts ex:orderToDelivery ; sb:participant ex:alba .
"""
"""A conversation with one participant and no tool: R13, a Violation."""
WARNING_ONLY = f"""
@prefix ex: <{EX}> .
@prefix sb: <https://w3id.org/social-business#> .
ex:loner a sb:Person .
"""
"""A person in no organisation: R17, a Warning."""
CLEAN = f"""
@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:alba rdfs:label "Alba" .
"""


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    made = make_client(open=True)
    load_example(made)
    return made


@EVERY_ENGINE
def test_a_write_adding_a_violation_is_refused_and_changes_nothing(client: TestClient) -> None:
    before = dataset(client)
    params = NEW_GRAPH | {"guard": "violation"}
    answer = client.put("/store", params=params, content=VIOLATING, headers=TURTLE)
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert {(f["rule"], f["focus"]) for f in problem["findings"]} == {("R13", f"{EX}convLonely")}
    assert {f["path"] for f in problem["findings"]} == {
        "https://w3id.org/social-business#participant",
        "https://w3id.org/social-business#carriedBy",
    }, "every reason the rule fails is shown"
    assert all(f["severity"] == "violation" for f in problem["findings"])
    assert dataset(client) == before


def test_a_clean_write_passes(client: TestClient) -> None:
    params = {"graph": ORG_GRAPH, "guard": "violation"}
    answer = client.post("/store", params=params, content=CLEAN, headers=TURTLE)
    assert answer.status_code == 204, answer.text
    assert f'<{EX}alba> <http://www.w3.org/2000/01/rdf-schema#label> "Alba"' in "\n".join(
        dataset(client)
    )


def test_existing_findings_do_not_block_a_write(client: TestClient) -> None:
    """The example has 16 Violations already; only new ones count."""
    params = NEW_GRAPH | {"guard": "warning"}
    assert client.put("/store", params=params, content=CLEAN, headers=TURTLE).status_code == 201


def test_the_guarded_severity_decides(client: TestClient) -> None:
    before = dataset(client)
    warned = NEW_GRAPH | {"guard": "warning"}
    refused = client.put("/store", params=warned, content=WARNING_ONLY, headers=TURTLE)
    assert refused.status_code == 409
    assert [f["rule"] for f in refused.json()["findings"]] == ["R17"]
    assert dataset(client) == before
    allowed = NEW_GRAPH | {"guard": "violation"}
    assert (
        client.put("/store", params=allowed, content=WARNING_ONLY, headers=TURTLE).status_code
        == 201
    )


@EVERY_ENGINE
def test_guarded_updates(client: TestClient) -> None:
    before = dataset(client)
    breaking = f"""PREFIX ex: <{EX}>
    PREFIX sb: <https://w3id.org/social-business#>
    DELETE WHERE {{ GRAPH ?g {{ ex:convDispatch1042 sb:carriedBy ?tool }} }}"""
    answer = client.post("/update", params={"guard": "violation"}, content=breaking, headers=UPDATE)
    assert answer.status_code == 409, answer.text
    assert {f["rule"] for f in answer.json()["findings"]} == {"R13"}
    assert dataset(client) == before
    harmless = f'INSERT DATA {{ GRAPH <{ORG_GRAPH}> {{ <{EX}alba> <urn:test:note> "ok" }} }}'
    assert (
        client.post(
            "/update", params={"guard": "violation"}, content=harmless, headers=UPDATE
        ).status_code
        == 204
    )
    assert len(dataset(client)) == len(before) + 1


@EVERY_ENGINE
def test_a_guarded_delete(client: TestClient) -> None:
    before = dataset(client)
    answer = client.delete("/store", params={"graph": ORG_GRAPH, "guard": "violation"})
    assert answer.status_code == 409
    assert dataset(client) == before
    assert (
        client.delete(
            "/store", params={"graph": "urn:test:absent", "guard": "violation"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("params", "content", "status"),
    [
        ({"guard": "panic"}, CLEAN, 400),
        ({"guard": "violation"}, "<a> <b> .", 400),
    ],
    ids=["unknown-level", "broken-rdf"],
)
def test_bad_guarded_writes_change_nothing(
    client: TestClient, params: dict[str, str], content: str, status: int
) -> None:
    before = dataset(client)
    answer = client.put("/store", params=NEW_GRAPH | params, content=content, headers=TURTLE)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert dataset(client) == before


def test_a_guarded_update_may_not_load(client: TestClient) -> None:
    before = dataset(client)
    load = "LOAD <http://example.org/remote.ttl> INTO GRAPH <urn:test:x>"
    answer = client.post("/update", params={"guard": "violation"}, content=load, headers=UPDATE)
    assert answer.status_code in (400, 403)
    assert dataset(client) == before


def test_a_guarded_update_that_fails_by_the_standard_fails_as_unguarded(
    client: TestClient,
) -> None:
    """An update that fails by SPARQL Update's own rules (`DROP` of an absent graph) is the
    same 400 `operation-failed` with a guard as without, not a 409 although its first
    operation alone would add a Violation (a conversation with no participant, R13)."""
    before = dataset(client)
    update = (
        "INSERT DATA { <urn:test:c> a <https://w3id.org/social-business#Conversation> } ; "
        "DROP GRAPH <urn:test:absent>"
    )
    answer = client.post("/update", params={"guard": "violation"}, content=update, headers=UPDATE)
    assert answer.status_code == 400, answer.text
    assert answer.json()["type"].endswith("#operation-failed")
    assert "urn:test:absent" in answer.json()["detail"]
    assert dataset(client) == before


def test_a_guarded_update_reads_an_absent_graph_as_empty(client: TestClient) -> None:
    """`USING` a graph the store does not hold is an empty graph: `WHERE {}` still has its one
    solution, so the trial adds the R13 Violation and the guard refuses (409)."""
    before = dataset(client)
    update = (
        "INSERT { <urn:test:c> a <https://w3id.org/social-business#Conversation> } "
        "USING <urn:test:absent> WHERE {}"
    )
    answer = client.post("/update", params={"guard": "violation"}, content=update, headers=UPDATE)
    assert answer.status_code == 409, answer.text
    assert dataset(client) == before
