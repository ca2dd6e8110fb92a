"""The benchmark's analytical queries (`benchmarks/queries/*.rq`) give the same answers on
pyoxigraph and rdflib over a small seeded organisation, and answer through `/sparql`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, Store

from benchmarks.bench_sparql import QUERIES
from benchmarks.generate import generate


@pytest.fixture(scope="module")
def organisation() -> bytes:
    """Three seeded companies with planted defects, as N-Triples."""
    return generate(3, seed=11, rate=0.5).ntriples()


def test_there_are_five_queries() -> None:
    assert [path.stem for path in QUERIES] == [
        "conversations-per-practice",
        "media-by-classification",
        "participant-pairs-without-arc",
        "person-degree",
        "tools-across-organisations",
    ]


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_engines_agree_and_find_something(organisation: bytes, path: Path) -> None:
    text = path.read_text()
    oxigraph = Store()
    oxigraph.load(organisation, format=RdfFormat.N_TRIPLES)
    graph = rdflib.Graph().parse(data=organisation, format="nt")
    ours = sorted(tuple(str(term.value) for term in row) for row in oxigraph.query(text))
    theirs = sorted(tuple(str(term) for term in row) for row in graph.query(text))
    assert ours == theirs
    assert ours


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_queries_answer_through_sparql(
    make_client: Callable[..., TestClient], organisation: bytes, path: Path
) -> None:
    client = make_client(open=True)
    client.put(
        "/store",
        params={"graph": "urn:bench"},
        content=organisation,
        headers={"content-type": "application/n-triples"},
    ).raise_for_status()
    answer = client.post("/sparql", data={"query": path.read_text()})
    assert answer.status_code == 200
    assert answer.json()["results"]["bindings"]
