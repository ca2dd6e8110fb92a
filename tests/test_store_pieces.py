"""A whole read of the embedded store in pieces (`EmbeddedStore.read_pieces`), which
`triskel validate --store` parses while the next pieces are read (`store_sources`): every
triple of the graphs picked comes once, from one state, and a blank node met in two graphs
or under two predicates stays one node of the validated data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from service.reports.snapshot import store_sources
from service.store import embedded
from service.store.embedded import EmbeddedStore
from service.store.system_graphs import service_writes
from service.validation.prepare import PreparedData

NT = "application/n-triples"
ONE, TWO, LEFT_OUT = "urn:test:one", "urn:test:two", "urn:test:left-out"
REPORT = "urn:triskel:report:1"


def _lines(n: int, predicate: str, subject: str = "urn:s") -> bytes:
    return "".join(f"<{subject}{i}> <{predicate}> <urn:o{i}> .\n" for i in range(n)).encode()


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    """Three predicates in the default graph and graph one, a blank node shared by graphs
    one and two under two predicates, a graph left out and a kept report."""
    store = EmbeddedStore(tmp_path / "store")
    store.load(_lines(30, "urn:p:a") + _lines(5, "urn:p:b"), media_type=NT, graph=None)
    store.load(_lines(20, "urn:p:a", "urn:t") + _lines(7, "urn:p:c"), media_type=NT, graph=ONE)
    store.update(
        f"INSERT DATA {{ GRAPH <{ONE}> {{ _:shared <urn:p:name> 'x' }} }} ;"
        f"INSERT {{ GRAPH <{TWO}> {{ ?b <urn:p:unit> <urn:unit> }} }}"
        f" WHERE {{ GRAPH <{ONE}> {{ ?b <urn:p:name> 'x' }} }}"
    )
    store.load(_lines(3, "urn:p:a", "urn:left"), media_type=NT, graph=LEFT_OUT)
    return store


def _triples(body: bytes) -> set[str]:
    return {str(t) for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)}


def test_a_read_in_pieces_gives_every_triple_of_the_picked_graphs_once(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "READ_AHEAD", 1)
    try:
        pieces = list(store.read_pieces(lambda names: [None, ONE, TWO]))
        whole = b"".join(
            store.export(graph, media_type=NT) for graph in (None, ONE, TWO)
        )  # one export per graph: a blank node keeps its label across them too
    finally:
        store.close()
    lines = [line for piece in pieces for line in piece.splitlines()]
    assert len(lines) == len(set(lines)) == 30 + 5 + 20 + 7 + 2
    assert {line.split()[1] for piece in pieces for line in piece.splitlines()[:1]} == {
        b"<urn:p:a>",
        b"<urn:p:b>",
        b"<urn:p:c>",
        b"<urn:p:name>",
        b"<urn:p:unit>",
    }
    for piece in pieces:  # one graph's predicate each
        assert len({line.split()[1] for line in piece.splitlines()}) == 1
    assert _triples(b"".join(pieces)) == _triples(whole)


def test_the_store_sources_keep_a_blank_node_one_node(store: EmbeddedStore) -> None:
    """The validated graphs (every graph but the system ones: no kept report), and the
    blank node named in graph one and placed in a unit in graph two is one node."""
    with service_writes():
        store.update(f"INSERT DATA {{ GRAPH <{REPORT}> {{ <urn:r> <urn:p:a> <urn:x> }} }}")
    try:
        prepared = PreparedData.from_sources(store_sources(store))
    finally:
        store.close()
    answer = prepared.store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?b <urn:p:name> 'x' ; <urn:p:unit> <urn:unit> }"
    )
    assert isinstance(answer, ox.QuerySolutions)
    assert next(iter(answer))["n"].value == "1"
    subjects = {q.subject.value for q in prepared.store if isinstance(q.subject, ox.NamedNode)}
    assert "urn:left0" in subjects and "urn:r" not in subjects
