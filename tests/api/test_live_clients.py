"""Real clients against a live server: `triskel serve` (uvicorn) started on a free loopback port.

SPARQLWrapper (SELECT as JSON and XML, ASK, CONSTRUCT), rdflib's `SPARQLStore` and
`SPARQLUpdateStore`, and httpx for the Graph Store Protocol, on the embedded store and on the
remote one; plus bearer tokens, and a SIGKILL in the middle of a large upload.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import Unauthorized

from benchmarks import live
from benchmarks.live import LiveServer
from service.resources import DATA_DIR

EX = "http://example.org/"
SB = "https://w3id.org/social-business#"


@pytest.fixture(scope="module")
def server(
    serve_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`triskel serve --open --load-if-empty data/example`, as `make serve` runs it."""
    log = tmp_path_factory.mktemp("log") / "serve.log"
    args = ["--open", "--load-if-empty", str(DATA_DIR / "example")]
    running = live.start(args, env=serve_env, log=log)
    yield running
    running.stop()


def test_serve_loads_the_example_into_one_graph_per_file(server: LiveServer) -> None:
    wrapper = SPARQLWrapper(server.sparql)
    wrapper.setQuery("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    wrapper.setReturnFormat(JSON)
    graphs = [row["g"]["value"] for row in wrapper.queryAndConvert()["results"]["bindings"]]
    files = sorted(p.name for p in (DATA_DIR / "example").glob("*.ttl"))
    assert [g for g in graphs if g.startswith("urn:triskel:file:")] == [
        f"urn:triskel:file:example/{name}" for name in files
    ]
    assert "https://w3id.org/social-business" in graphs
    started = server.log.read_text()
    assert "OPEN DEV MODE" in started
    assert "http://127.0.0.1:" in started


def test_sparqlwrapper_select_json_and_xml(server: LiveServer) -> None:
    wrapper = SPARQLWrapper(server.sparql)
    wrapper.setQuery(f"SELECT ?p WHERE {{ ?p a <{SB}Person> }} ORDER BY ?p LIMIT 3")
    wrapper.setReturnFormat(JSON)
    as_json = [row["p"]["value"] for row in wrapper.queryAndConvert()["results"]["bindings"]]
    assert len(as_json) == 3
    wrapper.setReturnFormat(XML)
    document = wrapper.queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == as_json


def test_sparqlwrapper_ask_and_construct(server: LiveServer) -> None:
    wrapper = SPARQLWrapper(server.sparql)
    wrapper.setQuery(f"ASK {{ ?c a <{SB}Conversation> }}")
    wrapper.setReturnFormat(JSON)
    assert wrapper.queryAndConvert()["boolean"] is True
    wrapper.setQuery(f"CONSTRUCT {{ ?p a <{SB}Person> }} WHERE {{ ?p a <{SB}Person> }}")
    for fmt in (XML, TURTLE):
        wrapper.setReturnFormat(fmt)
        answer = wrapper.queryAndConvert()
        graph = answer if isinstance(answer, Graph) else Graph().parse(data=answer, format="turtle")
        assert len(graph) > 3


def test_rdflib_sparql_store_and_update_store(server: LiveServer) -> None:
    reader = Graph(store=SPARQLStore(server.sparql))
    people = reader.query(f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{SB}Person> }}")
    assert int(next(iter(people))[0]) > 3

    store = SPARQLUpdateStore(server.sparql, server.update)
    dataset = Dataset(store=store)
    graph = dataset.graph(URIRef(f"{EX}live"))
    graph.add((URIRef(f"{EX}a"), URIRef(f"{EX}p"), Literal("written by rdflib")))
    found = reader.query(f"SELECT ?o WHERE {{ GRAPH <{EX}live> {{ <{EX}a> <{EX}p> ?o }} }}")
    assert [str(row[0]) for row in found] == ["written by rdflib"]
    dataset.remove_graph(graph)
    store.close()


def test_httpx_graph_store_protocol(server: LiveServer) -> None:
    target = {"graph": f"{EX}gsp"}
    with httpx.Client(base_url=server.url) as client:
        turtle = {"content-type": "text/turtle"}
        assert (
            client.put(
                "/store", params=target, content=f"<{EX}x> <{EX}p> 1 .", headers=turtle
            ).status_code
            == 201
        )
        assert (
            client.post(
                "/store", params=target, content=f"<{EX}y> <{EX}p> 2 .", headers=turtle
            ).status_code
            == 204
        )
        got = client.get("/store", params=target, headers={"accept": "application/n-triples"})
        assert len(got.text.strip().splitlines()) == 2
        assert client.delete("/store", params=target).status_code == 204
        assert client.get("/store", params=target).status_code == 404


def test_bearer_tokens_with_real_clients(tmp_path: Path) -> None:
    env = {"TRISKEL_STORE_PATH": str(tmp_path / "store"), "TRISKEL_TOKENS": "read:r-1,write:w-1"}
    secured = live.start([], env=env, log=tmp_path / "serve.log")
    try:
        insert = f"INSERT DATA {{ GRAPH <{EX}t> {{ <{EX}a> <{EX}p> 1 }} }}"
        anonymous = httpx.post(secured.update, data={"update": insert})
        assert anonymous.status_code == 401
        wrapper = SPARQLWrapper(secured.sparql, updateEndpoint=secured.update)
        wrapper.addCustomHttpHeader("Authorization", "Bearer w-1")
        wrapper.setMethod("POST")
        wrapper.setQuery(insert)
        wrapper.query()
        reader = SPARQLWrapper(secured.sparql)
        reader.addCustomHttpHeader("Authorization", "Bearer r-1")
        reader.setQuery(f"ASK {{ <{EX}a> <{EX}p> 1 }}")
        reader.setReturnFormat(JSON)
        assert reader.queryAndConvert()["boolean"] is True
    finally:
        secured.stop()


def test_basic_credentials_with_real_clients(tmp_path: Path) -> None:
    """HTTP Basic with the token as password: SPARQLWrapper's `setCredentials`, rdflib's
    `auth=` (both send credentials at once), and urllib's `HTTPBasicAuthHandler`, which sends
    them only when a 401 challenges it (as Jena's Java client does)."""
    env = {"TRISKEL_STORE_PATH": str(tmp_path / "store"), "TRISKEL_TOKENS": "read:r-1,write:w-1"}
    secured = live.start([], env=env, log=tmp_path / "serve.log")
    try:
        insert = f"INSERT DATA {{ GRAPH <{EX}basic> {{ <{EX}a> <{EX}p> 1 }} }}"
        writer = SPARQLWrapper(secured.sparql, updateEndpoint=secured.update)
        writer.setCredentials("anyone", "w-1")
        writer.setMethod("POST")
        writer.setQuery(insert)
        writer.query()

        reader = Graph(store=SPARQLStore(secured.sparql, auth=("someone", "r-1")))
        found = reader.query(f"ASK {{ GRAPH <{EX}basic> {{ <{EX}a> <{EX}p> 1 }} }}")
        assert found.askAnswer is True

        store = SPARQLUpdateStore(secured.sparql, secured.update, auth=("me", "w-1"))
        dataset = Dataset(store=store)
        added = dataset.graph(URIRef(f"{EX}basic-rdflib"))  # CREATE GRAPH, then INSERT DATA
        added.add((URIRef(f"{EX}b"), URIRef(f"{EX}p"), Literal(2)))
        store.close()
        rows = reader.query(f"SELECT ?s {{ GRAPH <{EX}basic-rdflib> {{ ?s ?p ?o }} }}")
        assert [str(row[0]) for row in rows] == [f"{EX}b"]

        wrong = SPARQLWrapper(secured.sparql)
        wrong.setCredentials("anyone", "not-the-token")
        wrong.setQuery("ASK {}")
        with pytest.raises(Unauthorized):
            wrong.query()

        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, secured.url, "anyone", "r-1")
        opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords))
        url = f"{secured.sparql}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
        with opener.open(urllib.request.Request(url, headers={"Accept": "text/csv"})) as answer:
            assert answer.read() == b"_askResult\r\ntrue\r\n"
    finally:
        secured.stop()


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [0.6, 1.0], ids=["mid-upload", "upload-sent"])
def test_sigkill_during_a_large_upload_keeps_the_old_or_the_new_graph(
    tmp_path: Path, kill_at: float
) -> None:
    env = {"TRISKEL_STORE_PATH": str(tmp_path / "store")}
    target = {"graph": f"{EX}big"}
    ntriples = {"content-type": "application/n-triples"}
    old = "".join(f'<{EX}old{i}> <{EX}p> "{i}" .\n' for i in range(10))
    new_size = 200_000
    first = live.start(["--open"], env=env, log=tmp_path / "serve.log")
    try:
        httpx.put(
            f"{first.url}/store", params=target, content=old, headers=ntriples
        ).raise_for_status()
        killed = _upload_and_kill(first, target, new_size, at_fraction=kill_at)
    finally:
        first.stop(signal.SIGKILL)
    assert killed
    second = live.start(["--open"], env=env, log=tmp_path / "serve.log")
    try:
        count = httpx.get(
            f"{second.sparql}",
            params={"query": f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{EX}big> {{ ?s ?p ?o }} }}"},
            timeout=120,  # what survived is the question; the first query's wait is a benchmark's
        ).json()["results"]["bindings"][0]["n"]["value"]
        assert int(count) in (10, new_size)
    finally:
        second.stop()


def _upload_and_kill(
    server: LiveServer, target: dict[str, str], size: int, at_fraction: float
) -> bool:
    """PUT `size` N-Triples in chunks and SIGKILL the server once `at_fraction` is sent."""
    kill_at = int(size * at_fraction)
    sent = threading.Event()

    def body() -> Iterator[bytes]:
        for start in range(0, size, 10_000):
            if start >= kill_at:
                sent.set()
            yield "".join(
                f'<{EX}new{i}> <{EX}p> "{i}" .\n' for i in range(start, min(start + 10_000, size))
            ).encode()
        sent.set()

    def upload() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server dies under the request
            httpx.put(
                f"{server.url}/store",
                params=target,
                content=body(),
                timeout=60,
                headers={"content-type": "application/n-triples"},
            )

    uploader = threading.Thread(target=upload)
    uploader.start()
    killed = sent.wait(timeout=60)
    os.kill(server.process.pid, signal.SIGKILL)
    uploader.join(timeout=60)
    return killed
