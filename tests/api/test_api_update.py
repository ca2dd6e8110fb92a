"""`/update`: SPARQL 1.1 Update over the protocol: atomic, write access, dataset parameters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.api.problems import CHALLENGE, PROBLEM_TYPES

EX = "http://example.org/"
SPARQL_UPDATE = {"content-type": "application/sparql-update"}
COUNT_EX = (
    f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{EX}')) }} }}"
)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(open=True)


def count(client: TestClient) -> int:
    response = client.get("/sparql", params={"query": COUNT_EX})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def quads(client: TestClient) -> set[tuple[str, ...]]:
    """Every (graph, subject, predicate, object) of the store, by value."""
    query = "SELECT ?g ?s ?p ?o { GRAPH ?g { ?s ?p ?o } }"
    rows = client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
    return {tuple(row[v]["value"] for v in "gspo") for row in rows}


def test_form_and_direct_updates_apply_and_answer_204(client: TestClient) -> None:
    first = client.post(
        "/update", data={"update": f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }}"}
    )
    second = client.post(
        "/update",
        content=f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}b> <{EX}p> 2 }} }}",
        headers=SPARQL_UPDATE,
    )
    assert (first.status_code, second.status_code) == (204, 204)
    assert count(client) == 2


def test_a_failing_second_operation_undoes_the_first(client: TestClient) -> None:
    client.post("/update", content=f"CREATE GRAPH <{EX}exists>", headers=SPARQL_UPDATE)
    response = client.post(
        "/update",
        content=f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }} ;\n"
        f"DROP GRAPH <{EX}absent>",
        headers=SPARQL_UPDATE,
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"{PROBLEM_TYPES}operation-failed"
    assert count(client) == 0


@pytest.mark.parametrize(
    ("update", "kind", "status"),
    [
        ("INSERT DATA { <urn:a> <urn:b> }", "syntax", 400),
        ("LOAD <http://example.org/faraway>", "policy", 403),
        ("INSERT DATA { GRAPH <urn:triskel:report:x> { <urn:a> <urn:b> 1 } }", "policy", 403),
        ("DROP GRAPH <urn:absent>", "operation-failed", 400),
        ("CLEAR GRAPH <urn:absent>", "operation-failed", 400),
        ("CREATE GRAPH <urn:present>", "operation-failed", 400),
        ("MOVE <urn:absent> TO <urn:present>", "operation-failed", 400),
    ],
)
def test_a_problem_type_tells_syntax_policy_and_operation_failures_apart(
    client: TestClient, update: str, kind: str, status: int
) -> None:
    """A failed update says which of the three it met (RFC 9457 `type`); the well-formed
    ones are not syntax errors, so clients and the W3C syntax suites can tell them apart."""
    present = "INSERT DATA { GRAPH <urn:present> { <urn:s> <urn:p> 1 } }"
    client.post("/update", content=present, headers=SPARQL_UPDATE).raise_for_status()
    before = quads(client)
    assert ("urn:present", "urn:s", "urn:p", "1") in before
    response = client.post("/update", content=update, headers=SPARQL_UPDATE)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"{PROBLEM_TYPES}{kind}"
    assert response.json()["title"] != "Bad Request"
    assert quads(client) == before


def test_the_same_updates_with_silent_succeed(client: TestClient) -> None:
    client.post("/update", content="CREATE GRAPH <urn:present>", headers=SPARQL_UPDATE)
    for update in (
        "DROP SILENT GRAPH <urn:absent>",
        "CLEAR SILENT GRAPH <urn:absent>",
        "CREATE SILENT GRAPH <urn:present>",
    ):
        response = client.post("/update", content=update, headers=SPARQL_UPDATE)
        assert response.status_code == 204, (update, response.text)


def test_an_update_syntax_error_gives_the_position(client: TestClient) -> None:
    response = client.post(
        "/update", content="INSERT DATA {\n  <http://a> <http://b>\n}", headers=SPARQL_UPDATE
    )
    assert response.status_code == 400
    assert response.json()["line"] == 3


def test_using_graph_uri_gives_the_where_clause_its_dataset(client: TestClient) -> None:
    client.post(
        "/update",
        content=f"INSERT DATA {{ GRAPH <{EX}one> {{ <{EX}a> a <{EX}Doc> }} "
        f"GRAPH <{EX}two> {{ <{EX}b> a <{EX}Doc> }} }}",
        headers=SPARQL_UPDATE,
    )
    response = client.post(
        "/update",
        params={"using-graph-uri": f"{EX}one"},
        content=f"INSERT {{ GRAPH <{EX}out> {{ ?s a <{EX}Seen> }} }} WHERE {{ ?s a <{EX}Doc> }}",
        headers=SPARQL_UPDATE,
    )
    assert response.status_code == 204
    seen = client.get(
        "/sparql", params={"query": f"SELECT ?s {{ GRAPH <{EX}out> {{ ?s a <{EX}Seen> }} }}"}
    ).json()["results"]["bindings"]
    assert [row["s"]["value"] for row in seen] == [f"{EX}a"]


def test_using_graph_uri_with_a_with_clause_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/update",
        params={"using-named-graph-uri": f"{EX}people"},
        content=f"WITH <{EX}g> DELETE {{ ?s ?p 1 }} WHERE {{ ?s ?p 1 }}",
        headers=SPARQL_UPDATE,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://example.org/data.ttl>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}",
    ],
)
def test_load_and_service_are_refused(client: TestClient, update: str) -> None:
    response = client.post("/update", content=update, headers=SPARQL_UPDATE)
    assert response.status_code == 403
    assert "TRISKEL_ALLOWED_HOSTS" in response.json()["detail"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": "CLEAR ALL", "headers": {"content-type": "text/plain"}}, 415),
        ({"content": "update=CLEAR%20ALL"}, 415),
        ({"data": {"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}}, 400),
        ({"data": {"query": "ASK {}"}}, 400),
        (
            {
                "content": "CLEAR ALL".encode("utf-16"),
                "headers": {"content-type": "application/sparql-update; charset=UTF-16"},
            },
            415,
        ),
    ],
)
def test_malformed_update_requests_are_refused(
    client: TestClient, kwargs: dict, status: int
) -> None:
    assert client.post("/update", **kwargs).status_code == status


def test_update_by_get_is_refused(client: TestClient) -> None:
    assert client.get("/update", params={"update": "CLEAR ALL"}).status_code == 405


def test_writes_need_a_write_token(make_client: Callable[..., TestClient], token_spec: str) -> None:
    client = make_client(tokens=token_spec)
    insert = {"update": f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }}"}
    anonymous = client.post("/update", data=insert)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == CHALLENGE
    reader = client.post("/update", data=insert, headers={"authorization": "Bearer read-token"})
    assert reader.status_code == 403
    wrong = client.post("/update", data=insert, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "nope" not in wrong.text
    for token in ("write-token", "admin-token"):
        ok = client.post("/update", data=insert, headers={"authorization": f"Bearer {token}"})
        assert ok.status_code == 204
