"""Counts on a remote engine are answered by the engine (`COUNT`), never by downloading data:
a proxy between the service and `oxigraph serve` records what the service sends."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.settings import Settings
from tests.oxigraph import OxigraphServer
from tests.recording_proxy import Recording, recording_proxy

DATA = b"""<urn:a> <urn:p> <urn:b> .
<urn:a> <urn:p> <urn:c> .
"""
NAMED = b"<urn:x> <urn:q> <urn:1> .\n<urn:y> <urn:q> <urn:2> .\n<urn:z> <urn:q> <urn:3> .\n"


@pytest.fixture
def proxy(oxigraph_server: OxigraphServer) -> Iterator[Recording]:
    """The emptied test server, holding 2 default and 3 named triples, behind a proxy."""
    httpx.post(oxigraph_server.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()
    nt = {"Content-Type": "application/n-triples"}
    gsp = oxigraph_server.gsp_url
    httpx.post(gsp, params={"default": ""}, content=DATA, headers=nt).raise_for_status()
    httpx.post(gsp, params={"graph": "urn:g"}, content=NAMED, headers=nt).raise_for_status()
    with recording_proxy(oxigraph_server.base_url) as recording:
        yield recording


def test_health_counts_without_a_graph_store_download(
    proxy: Recording, oxigraph_server: OxigraphServer
) -> None:
    settings = Settings(
        sparql_url=proxy.url(oxigraph_server.query_url),
        sparql_update_url=proxy.url(oxigraph_server.update_url),
        gsp_url=proxy.url(oxigraph_server.gsp_url),
        open=True,
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        proxy.requests.clear()
        answer = client.get("/health")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["triples"], answer.json()["graphs"]) == (
        _quads(oxigraph_server),
        len(_named_graphs(oxigraph_server)),
    )
    gsp_path = httpx.URL(oxigraph_server.gsp_url).path
    assert proxy.requests, "the health check reached the engine"
    assert all(path != gsp_path for _, path, _ in proxy.requests), proxy.requests


def _quads(server: OxigraphServer) -> int:
    """The quads the engine holds (the live findings' own graphs included), asked directly."""
    query = "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    return int(_select(server, query)[0]["n"]["value"])


def _named_graphs(server: OxigraphServer) -> list[str]:
    return [row["g"]["value"] for row in _select(server, "SELECT ?g { GRAPH ?g { } }")]


def _select(server: OxigraphServer, query: str) -> list[dict[str, dict[str, str]]]:
    accept = {"Accept": "application/sparql-results+json"}
    answer = httpx.post(server.query_url, data={"query": query}, headers=accept)
    answer.raise_for_status()
    rows: list[dict[str, dict[str, str]]] = answer.json()["results"]["bindings"]
    return rows
