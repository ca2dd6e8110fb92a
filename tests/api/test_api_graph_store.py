"""`/store`: the SPARQL 1.1 Graph Store HTTP Protocol, atomic writes, body limit, access."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from tests.api.conftest import EVERY_ENGINE

EX = "http://example.org/"
TURTLE = {"content-type": "text/turtle"}
GRAPH = {"graph": f"{EX}g"}
OLD = f"<{EX}old> <{EX}p> 1 .\n"


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(open=True)


def turtle_lines(count: int) -> str:
    return "".join(f"<{EX}s{i}> <{EX}p> {i} .\n" for i in range(count))


def graph_of(client: TestClient, **params: str) -> Graph:
    response = client.get("/store", params=params, headers={"accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="nt")


def test_post_to_the_store_itself_creates_a_new_graph(client: TestClient) -> None:
    created = client.post("/store", content=OLD, headers=TURTLE)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith("http://127.0.0.1:8000/store/graphs/")
    assert location in client.app.state.store.graphs()  # type: ignore[attr-defined]
    for read in (client.get("/store", params={"graph": location}), client.get(location)):
        assert read.status_code == 200, read.text
        assert {str(s) for s in Graph().parse(data=read.text).subjects()} == {f"{EX}old"}
    missing = location.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert client.get(missing).status_code == 404
    assert client.put("/store", content=OLD, headers=TURTLE).status_code == 400


@EVERY_ENGINE
def test_put_creates_then_replaces_post_adds_delete_removes(client: TestClient) -> None:
    assert client.put("/store", params=GRAPH, content=OLD, headers=TURTLE).status_code == 201
    new = f"<{EX}new> <{EX}p> 2 ."
    assert client.put("/store", params=GRAPH, content=new, headers=TURTLE).status_code == 204
    assert {str(s) for s in graph_of(client, **GRAPH).subjects()} == {f"{EX}new"}
    more = f'<{EX}more> <{EX}p> "x" .'
    posted = client.post(
        "/store", params=GRAPH, content=more, headers={"content-type": "application/n-triples"}
    )
    assert posted.status_code == 204
    assert len(graph_of(client, **GRAPH)) == 2
    created = client.post("/store", params={"graph": f"{EX}h"}, content=more, headers=TURTLE)
    assert created.status_code == 201
    head = client.head("/store", params=GRAPH)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"].startswith("text/turtle")
    assert client.delete("/store", params=GRAPH).status_code == 204
    assert client.get("/store", params=GRAPH).status_code == 404
    assert client.head("/store", params=GRAPH).status_code == 404
    assert client.delete("/store", params=GRAPH).status_code == 404


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_get_negotiates_the_syntax(client: TestClient, accept: str, rdflib_format: str) -> None:
    client.put("/store", params=GRAPH, content=OLD, headers=TURTLE)
    response = client.get("/store", params=GRAPH, headers={"accept": accept})
    assert response.headers["content-type"].split(";")[0] == accept
    assert response.headers["vary"] == "Accept"
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert set(graph) == {(URIRef(f"{EX}old"), URIRef(f"{EX}p"), next(iter(graph.objects())))}


def test_the_default_graph_is_addressed_by_default(client: TestClient) -> None:
    assert client.put(
        "/store", params={"default": ""}, content=OLD, headers=TURTLE
    ).status_code in (
        201,
        204,
    )
    assert len(graph_of(client, default="")) == 1
    assert client.delete("/store", params={"default": ""}).status_code == 204
    assert len(graph_of(client, default="")) == 0


def test_a_body_broken_on_line_1002_stores_nothing_and_names_the_line(client: TestClient) -> None:
    body = turtle_lines(1001) + f"<{EX}broken> <{EX}p> .\n" + turtle_lines(5)
    response = client.put("/store", params=GRAPH, content=body, headers=TURTLE)
    assert response.status_code == 400
    problem = response.json()
    assert problem["line"] == 1002
    assert "1002" in problem["detail"]
    assert client.get("/store", params=GRAPH).status_code == 404


@EVERY_ENGINE
def test_put_of_a_broken_body_leaves_the_old_graph_intact(client: TestClient) -> None:
    client.put("/store", params=GRAPH, content=OLD, headers=TURTLE)
    for method in ("PUT", "POST"):
        broken = client.request(method, "/store", params=GRAPH, content="<a> <b", headers=TURTLE)
        assert broken.status_code == 400
    assert {str(s) for s in graph_of(client, **GRAPH).subjects()} == {f"{EX}old"}


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [
        (GRAPH, {"content-type": "application/x-unknown"}, 415),
        (GRAPH, {}, 415),
        ({"graph": f"{EX}g", "default": ""}, TURTLE, 400),
        ({"graph": "not an iri"}, TURTLE, 400),
    ],
)
def test_bad_write_requests_are_refused(
    client: TestClient, params: dict[str, str], headers: dict[str, str], status: int
) -> None:
    assert client.put("/store", params=params, content=OLD, headers=headers).status_code == status


def test_a_body_over_the_limit_is_a_413_before_it_is_read(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(open=True, max_body_mb=0.01)
    big = turtle_lines(400)
    assert len(big) > 0.01 * 1024 * 1024
    declared = client.put("/store", params=GRAPH, content=big, headers=TURTLE)
    assert declared.status_code == 413
    assert "TRISKEL_MAX_BODY_MB" in declared.json()["detail"]

    def chunks():  # no Content-Length: the limit is counted while streaming
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000].encode()

    streamed = client.put("/store", params=GRAPH, content=chunks(), headers=TURTLE)
    assert streamed.status_code == 413
    assert client.get("/store", params=GRAPH).status_code == 404


def test_graph_store_access(make_client: Callable[..., TestClient], tokens: dict[str, str]) -> None:
    spec = ",".join(f"{role}:{token}" for role, token in tokens.items())
    client = make_client(tokens=spec)
    write = {"authorization": f"Bearer {tokens['write']}", **TURTLE}
    read = {"authorization": f"Bearer {tokens['read']}"}
    assert client.put("/store", params=GRAPH, content=OLD, headers=TURTLE).status_code == 401
    assert client.put("/store", params=GRAPH, content=OLD, headers=read).status_code == 403
    assert client.put("/store", params=GRAPH, content=OLD, headers=write).status_code == 201
    assert client.get("/store", params=GRAPH).status_code == 401
    assert client.get("/store", params=GRAPH, headers=read).status_code == 200
    assert client.delete("/store", params=GRAPH, headers=read).status_code == 403
    assert client.delete("/store", params=GRAPH, headers=write).status_code == 204


def test_a_multipart_post_adds_every_part_or_none(client: TestClient) -> None:
    people = (f'<{EX}ada> <{EX}name> "Ada" .', "text/turtle")
    more = (f'<{EX}bob> <{EX}name> "Bob" .\n', "application/n-triples")
    files = {"a.ttl": ("a.ttl", *people), "b.nt": ("b.nt", *more)}
    assert client.post("/store", params=GRAPH, files=files).status_code == 201
    assert len(graph_of(client, **GRAPH)) == 2
    broken = {"c.ttl": ("c.ttl", f"<{EX}cy> <{EX}name> .", "text/turtle"), **files}
    refused = client.post("/store", params={"graph": f"{EX}other"}, files=broken)
    assert refused.status_code == 400
    assert "c.ttl" in refused.json()["detail"]
    assert client.get("/store", params={"graph": f"{EX}other"}).status_code == 404
