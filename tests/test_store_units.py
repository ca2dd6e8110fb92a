"""The store's small parts: the formats table, the SPARQL scanner, the progress bar, and
the examples in their docstrings."""

from __future__ import annotations

import doctest
import io
from types import ModuleType

import pytest

from service.errors import ForbiddenOperationError, UnsupportedFormatError
from service.rdf import formats
from service.rdf.formats import (
    RDF_FORMATS,
    rdf_format_for,
    rdf_format_for_path,
    rdf_format_named,
    results_format_named,
)
from service.store import disk, scan, syntax
from service.store.progress import ProgressReader
from service.store.scan import check_operations, has_dataset_clause


@pytest.mark.parametrize("module", [formats, disk, scan, syntax], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_each_format_is_found_by_all_its_names(fmt: formats.Format) -> None:
    assert rdf_format_for(f"{fmt.media_type}; charset=utf-8") is fmt
    assert rdf_format_for_path(f"x/data.{fmt.extension.upper()}") is fmt
    assert rdf_format_named(fmt.name) is fmt
    assert fmt.oxigraph.media_type == fmt.media_type
    assert fmt.oxigraph.file_extension == fmt.extension


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(UnsupportedFormatError):
        rdf_format_for("text/html")
    with pytest.raises(UnsupportedFormatError):
        rdf_format_for_path("notes.txt")
    with pytest.raises(UnsupportedFormatError):
        results_format_named("yaml")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://evil.example/> { ?s ?p ?o } }",
        "select * { service silent <http://evil.example/> { ?s ?p ?o } }",
        "BASE <http://evil.example/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?where { ?s ?p ?o } }",
        "LOAD <https://allowed.example.evil.example/data.ttl>",
        "LOAD <ftp://allowed.example/data.ttl>",
    ],
)
def test_fetching_operations_are_refused(text: str) -> None:
    with pytest.raises(ForbiddenOperationError):
        check_operations(text, allowed_hosts="allowed.example")


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://evil.example/>" }',
        "SELECT * { ?s ?p ?o } # LOAD <file:///etc/passwd>",
        "PREFIX ex: <http://example.org/> SELECT ?SERVICE { ?SERVICE ex:LOAD ?o }",
        "LOAD <https://allowed.example/data.ttl> INTO GRAPH <http://g>",
        "PREFIX a: <http://allowed.example/> SELECT * { SERVICE a:sparql { ?s ?p ?o } }",
    ],
)
def test_harmless_or_allowed_texts_pass(text: str) -> None:
    check_operations(text, allowed_hosts="allowed.example")


def test_dataset_clause_is_a_keyword_not_a_string() -> None:
    assert has_dataset_clause("SELECT * FROM NAMED <http://g> { GRAPH ?g { ?s ?p ?o } }")
    assert not has_dataset_clause("SELECT * { ?s ?p 'FROM' } # FROM <x>")


def test_progress_bar_tracks_bytes_read() -> None:
    out = io.StringIO()
    reader = ProgressReader(io.BytesIO(b"x" * 1000), total=1000, label="loading", out=out)
    assert reader.read(400) == b"x" * 400
    assert reader.read() == b"x" * 600
    assert reader.read() == b""
    reader.finish("done")
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("loading [##############################] 100%")
    assert last.endswith("done\n")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "PREFIX : <http://ex/> SELECT * { ?s ?p ?o FILTER :f(?o) } ORDER BY :g(?s)",
            "PREFIX : <http://ex/> SELECT * { ?s ?p ?o FILTER COALESCE() } ORDER BY COALESCE()",
        ),
        (
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
            "SELECT * { ?s ?p ?o FILTER (xsd:integer(?o) > 1 && <http://f>(?o, str(?s))) }",
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
            "SELECT * { ?s ?p ?o FILTER (xsd:integer(?o) > 1 && COALESCE()) }",
        ),
        (
            "PREFIX : <http://ex/> SELECT * { [ :p (1 2) ] :q (3) . BIND(:h(1) AS ?x) }",
            "PREFIX : <http://ex/> SELECT * { [ :p (1 2) ] :q (3) . BIND(COALESCE() AS ?x) }",
        ),
        ("SELECT * { ?s ?p 'ex:f(1)' }", "SELECT * { ?s ?p 'ex:f(1)' }"),
    ],
    ids=["filter-and-order-by", "casts-stay", "collections-stay", "strings-stay"],
)
def test_extension_calls_become_evaluation_errors(query: str, expected: str) -> None:
    assert scan.calls_as_errors(query) == expected
