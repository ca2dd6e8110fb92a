"""Parameters and extension functions at the store level, on both backends.

* The parameterised named-query cases of `tests/query_cases/` give their exact rows on the
  embedded store (SEP-0007 substitutions) and on the remote one (an inline `VALUES` row).
* A bound value is a term, never text: quotes, braces and `#` come back as they went in.
* A call of an unknown extension function is an evaluation error (SPARQL 1.1 §17.1) on the
  embedded store: `BIND` leaves the variable unbound and `FILTER` drops the row.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from service.catalog import Catalog
from service.errors import InputError
from service.resources import ONTOLOGY_FILES, ONTOLOGY_IRI
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.store.scan import extension_functions, where_group_start

CASES_DIR = Path(__file__).parent / "query_cases"
PARAMETERISED = sorted(path.parent.name for path in CASES_DIR.glob("*/params.json"))
ECHO = "SELECT ?value WHERE { }"
TRICKY = ['x" } ; DROP ALL ; #', "x> ?p ?o } UNION { ?s ?p ?o", "a\\u0022b\n'c'\t😀"]


def test_the_parameterised_cases_are_there() -> None:
    assert len(PARAMETERISED) >= 5


@pytest.mark.parametrize("name", PARAMETERISED)
def test_a_parameterised_case_gives_its_rows(store: Store, name: str) -> None:
    for path in ONTOLOGY_FILES:
        store.load(path.read_bytes(), media_type="text/turtle", graph=ONTOLOGY_IRI)
    case = CASES_DIR / name
    store.load((case / "data.ttl").read_bytes(), media_type="text/turtle", graph="urn:case")
    params = json.loads((case / "params.json").read_text(encoding="utf-8"))
    body = Catalog.load().run(store, name, params, accept="text/csv").body.decode("utf-8")
    expected = (case / "expected.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(body))) == list(csv.reader(io.StringIO(expected)))


@pytest.mark.parametrize("value", TRICKY)
def test_a_bound_literal_comes_back_unchanged(store: Store, value: str) -> None:
    rows = store.select(ECHO, substitutions={"value": Literal(value)})
    assert rows == [{"value": Literal(value)}]
    assert store.count(all_graphs=True) == 0


def test_typed_and_language_literals_and_iris_are_bound_as_terms(store: Store) -> None:
    for term in (
        Literal("5", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        Literal("chat", language="fr"),
        NamedNode("https://example.org/a?b=c#d"),
    ):
        assert store.select(ECHO, substitutions={"value": term}) == [{"value": term}]


@pytest.mark.parametrize(
    ("query", "group"),
    [
        ("SELECT * { ?s ?p ?o }", " ?s ?p ?o }"),
        ("ASK WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
        ("CONSTRUCT { ?s ?p 'WHERE {' } WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
        ("SELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
        (
            "PREFIX where: <http://x/> SELECT ?where WHERE { ?s where: ?where }",
            " ?s where: ?where }",
        ),
        ("SELECT ?x { { SELECT ?x WHERE { ?x ?p ?o } } }", " { SELECT ?x WHERE { ?x ?p ?o } } }"),
    ],
)
def test_the_where_group_is_found_by_tokens(query: str, group: str) -> None:
    assert query[where_group_start(query) :] == group


def test_a_text_without_a_where_group_cannot_be_bound() -> None:
    with pytest.raises(InputError, match="no WHERE group"):
        where_group_start("CONSTRUCT { ?s ?p ?o }")


def test_extension_functions_are_the_called_iris_the_engine_does_not_know() -> None:
    query = """PREFIX ex: <http://example.org/fn#>
    PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
    BASE <http://example.org/base/>
    SELECT (ex:f(xsd:integer("1")) AS ?a) (STR(<g>(?x)) AS ?b) WHERE {
      ?s ex:notCalled "ex:h(1)" . # ex:alsoNotCalled(2)
    }"""
    assert extension_functions(query) == {
        "http://example.org/fn#f",
        "http://example.org/base/g",
    }


def test_an_unknown_function_is_an_evaluation_error(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.load(b"<http://e/a> <http://e/p> 1 .", media_type="text/turtle", graph=None)
        bound = store.select(
            "PREFIX f: <http://example/> SELECT ?s ?x { ?s ?p ?o BIND (f:unknown(?o) AS ?x) }"
        )
        assert bound == [{"s": NamedNode("http://e/a")}]
        kept = store.select("SELECT ?s { ?s ?p ?o FILTER (<http://example/f>(?o)) }")
        assert kept == []
        cast = store.select(
            "SELECT ?x { BIND (<http://www.w3.org/2001/XMLSchema#integer>('7') AS ?x) }"
        )
        assert cast == [{"x": Literal(7)}]
    finally:
        store.close()
