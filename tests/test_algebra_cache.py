"""Parsed SPARQL kept between processes (`service.rdflib_sparql`): what is read back is the
tree that was parsed, for the builtin rules and the W3C query syntax suite, and a file that
cannot be read back is a miss, never an error."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.sparql import Query

from service import rdflib_sparql
from service.resources import DATA_DIR
from service.validation.dependency import analyse
from service.validation.derived import relations
from service.validation.focused import restrict
from service.validation.live import LiveValidation
from service.validation.rdfio import Source, expand_paths, load
from service.validation.shapes import BUILTIN_FILES, ShapePack, from_files
from tests.live_writes import write
from tests.shared import W3C_DIR, required

SYNTAX = W3C_DIR / "sparql11-syntax-query" / "sparql" / "sparql11" / "syntax-query"


def _syntax_queries() -> list[Path]:
    required(SYNTAX / "manifest.ttl", "SPARQL 1.1 query syntax")
    return sorted(SYNTAX.glob("*.rq"))


def _parsed(text: str) -> Query | None:
    try:
        return translateQuery(parser.parseQuery(text))
    except Exception:  # a negative syntax test: nothing to keep
        return None


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    """The cache in a folder of its own for one test, off again after it."""
    rdflib_sparql.use_cache(tmp_path)
    yield tmp_path
    rdflib_sparql.use_cache(None)


def _round_trip(text: str) -> tuple[Query, Query | None]:
    query = _parsed(text)
    assert query is not None
    rdflib_sparql._CACHE.write(text, query)
    return query, rdflib_sparql._CACHE.read(text)


def _example() -> list[ox.Quad]:
    store = ox.Store()
    for path in expand_paths([DATA_DIR / "example"]):
        load(store, Source.from_path(path))
    return list(store)


def _fresh_pack() -> ShapePack:
    """The builtin rules as a new process sees them: a pack of their own (compiled anew) and
    no query analysed or parsed in memory yet (earlier tests in this process filled the
    caches above the parse)."""
    for cached in (rdflib_sparql.algebra, analyse, restrict, relations):
        cached.cache_clear()
    return from_files(BUILTIN_FILES, builtin=False)


def _keys(live: LiveValidation) -> set[tuple[object, ...]]:
    return {(f.rule, f.severity, f.focus, f.value, f.path) for f in live.findings()}


def test_a_live_engine_started_from_the_cache_parses_nothing_and_finds_the_same(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a second server start does: every query the engine analyses and restricts is
    read back, and the findings, before and after the same writes, are the first's."""
    quads = _example()
    first = LiveValidation(quads, _fresh_pack())
    assert len(list(cache.glob("*.pickle"))) >= 40
    pack = _fresh_pack()  # reading a shapes file checks its SPARQL: not the engine's start
    parses: list[str] = []
    parse = parser.parseQuery
    monkeypatch.setattr(parser, "parseQuery", lambda text: parses.append(text) or parse(text))
    second = LiveValidation(quads, pack)
    assert _keys(second) == _keys(first)
    for seed in range(20):
        delta = write(random.Random(seed), first.data)
        first.apply(delta)
        second.apply(delta)
        assert _keys(second) == _keys(first), delta
    assert parses == []


def test_the_w3c_syntax_queries_read_back_as_parsed(cache: Path) -> None:
    kept = 0
    for path in _syntax_queries():
        text = path.read_text(encoding="utf-8")
        if _parsed(text) is None:
            continue
        query, back = _round_trip(text)
        assert back is not None, path.name
        assert back.algebra == query.algebra, path.name
        kept += 1
    assert kept >= 60


def test_expressions_evaluate_the_same_after_reading_back(cache: Path) -> None:
    """Evaluable nodes are bound to their functions again (a few of them are lambdas)."""
    text = """SELECT ?s (STR(?o) AS ?text) (?o * 2 AS ?twice) WHERE {
        ?s ?p ?o FILTER (?o > 1 && !(?o = 3) && ?o IN (2, 4)) } ORDER BY ?o"""
    graph = Graph()
    for number in range(5):
        graph.add((URIRef(f"urn:s{number}"), URIRef("urn:p"), Literal(number)))
    query, back = _round_trip(text)
    assert back is not None
    assert list(graph.query(back)) == list(graph.query(query))
    assert [row[1] for row in graph.query(back)] == [Literal("2"), Literal("4")]


def test_a_file_that_cannot_be_read_back_is_a_miss(cache: Path) -> None:
    text = "SELECT ?s WHERE { ?s a <urn:C> }"
    path = rdflib_sparql._CACHE.path(text)
    assert path is not None
    path.write_bytes(b"torn")
    assert rdflib_sparql._CACHE.read(text) is None
    rdflib_sparql.algebra.cache_clear()
    query = rdflib_sparql.algebra(text)  # parsed again, and the file rewritten
    back = rdflib_sparql._CACHE.read(text)
    assert back is not None and back.algebra == query.algebra


def test_without_a_folder_nothing_is_written(tmp_path: Path) -> None:
    rdflib_sparql.use_cache(None)
    rdflib_sparql.algebra.cache_clear()
    rdflib_sparql.algebra("ASK { <urn:a> ?p ?o }")
    assert rdflib_sparql._CACHE.path("ASK { <urn:a> ?p ?o }") is None
    assert list(tmp_path.iterdir()) == []
