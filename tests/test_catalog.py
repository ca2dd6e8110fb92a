"""The named-query catalog: header parsing, typed binding, broken files, injection attempts."""

from __future__ import annotations

import doctest
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from service import catalog as catalog_module
from service.catalog import Catalog, NamedQuery, Parameter, load_query
from service.errors import NotFoundError, QueryParameterError, QuerySyntaxError
from service.resources import QUERIES_DIR
from service.store.embedded import EmbeddedStore

XSD = "http://www.w3.org/2001/XMLSchema#"
INJECTIONS = ('x" } ; DROP ALL ; #', "x> ?p ?o } UNION { ?s ?p ?o")

TYPED_QUERY = """\
# title: Typed
# description: One parameter of each type,
#   and a description that goes on.
# param: who iri the person
# param: text string a   free text
# param: n integer a count
# param: day date a day
PREFIX ex: <https://example.org/>
SELECT ?who ?text ?n ?day WHERE { ?who ex:says ?text ; ex:count ?n ; ex:on ?day }
"""

DATA = b"""\
@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:ann rdfs:label "Ann" ; ex:says "x" .
ex:bob rdfs:label "Bob" .
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(QUERIES_DIR)


@pytest.fixture
def typed(tmp_path: Path) -> NamedQuery:
    path = tmp_path / "typed.rq"
    path.write_text(TYPED_QUERY, encoding="utf-8")
    return load_query(path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "store")
    opened.load(DATA, media_type="text/turtle", graph="urn:test:data")
    yield opened
    opened.close()


# -- header ---------------------------------------------------------------------------------


def test_header_gives_title_description_and_typed_parameters(typed: NamedQuery) -> None:
    assert typed.name == "typed"
    assert typed.title == "Typed"
    assert typed.description == "One parameter of each type, and a description that goes on."
    assert typed.parameters == (
        Parameter("who", "iri", "the person"),
        Parameter("text", "string", "a   free text"),
        Parameter("n", "integer", "a count"),
        Parameter("day", "date", "a day"),
    )
    assert typed.text == TYPED_QUERY


def test_the_product_catalog_loads_every_file(catalog: Catalog) -> None:
    names = [query.name for query in catalog]
    assert names == sorted(path.stem for path in QUERIES_DIR.glob("*.rq"))
    assert len(catalog) >= 12
    assert all(query.title and query.description for query in catalog)


def test_no_query_uses_not_exists(catalog: Catalog) -> None:
    """pyoxigraph runs FILTER NOT EXISTS as a nested loop; anti-joins use MINUS instead."""
    not_exists = re.compile(r"NOT\s+EXISTS", re.IGNORECASE)
    uses = [q.name for q in catalog if not_exists.search(_without_comments(q.text))]
    assert uses == []


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_unknown_query_is_not_found(catalog: Catalog) -> None:
    assert "no-such-query" not in catalog
    with pytest.raises(NotFoundError, match="no-such-query"):
        catalog.get("no-such-query")


def test_a_missing_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="absent"):
        Catalog.load(tmp_path / "absent")


# -- broken files ---------------------------------------------------------------------------

SELECT_X = "SELECT ?x WHERE { ?x ?p ?o }\n"
BROKEN = {
    "no-title": ("# description: d\n" + SELECT_X, "title"),
    "two-titles": ("# title: a\n# title: b\n# description: d\n" + SELECT_X, "title"),
    "no-description": ("# title: t\n" + SELECT_X, "description"),
    "unknown-field": ("# title: t\n# description: d\n# params: x iri d\n" + SELECT_X, "line 3"),
    "unknown-type": ("# title: t\n# description: d\n# param: x float d\n" + SELECT_X, "float"),
    "param-without-description": (
        "# title: t\n# description: d\n# param: x iri\n" + SELECT_X,
        "name type description",
    ),
    "param-twice": (
        "# title: t\n# description: d\n# param: x iri a\n# param: x iri b\n" + SELECT_X,
        "x is declared more than once",
    ),
    "bad-variable": ("# title: t\n# description: d\n# param: 1x iri d\n" + SELECT_X, "1x"),
    "syntax-error": (
        "# title: t\n# description: d\nSELECT ?x WHERE { ?x ?p }\n",
        "SPARQL syntax error at 4:1",
    ),
    "update": ("# title: t\n# description: d\nDROP ALL\n", "SPARQL syntax error at 4:1"),
    "param-not-selected": (
        "# title: t\n# description: d\n# param: y iri d\n" + SELECT_X,
        "projection: The SPARQL query does not contains variable ?y",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_fails_the_load_with_its_name(tmp_path: Path, name: str) -> None:
    text, reason = BROKEN[name]
    (tmp_path / "fine.rq").write_text("# title: t\n# description: d\n" + SELECT_X)
    (tmp_path / f"{name}.rq").write_text(text, encoding="utf-8")
    with pytest.raises(QuerySyntaxError) as caught:
        Catalog.load(tmp_path)
    assert f"{name}.rq" in str(caught.value)
    assert reason in str(caught.value)


def test_a_file_name_must_be_kebab_case(tmp_path: Path) -> None:
    path = tmp_path / "Bad_Name.rq"
    path.write_text("# title: t\n# description: d\n" + SELECT_X)
    with pytest.raises(QuerySyntaxError, match=r"Bad_Name\.rq: .*kebab-case"):
        load_query(path)


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(catalog_module).failed == 0


# -- binding --------------------------------------------------------------------------------


def test_raw_strings_become_typed_terms(typed: NamedQuery, tmp_path: Path) -> None:
    catalog = Catalog({typed.name: typed})
    bound = catalog.bind(
        "typed",
        {"who": "https://example.org/ann", "text": "Ann", "n": " 42 ", "day": "2024-03-01"},
    )
    assert bound == {
        "who": NamedNode("https://example.org/ann"),
        "text": Literal("Ann"),
        "n": Literal("42", datatype=NamedNode(XSD + "integer")),
        "day": Literal("2024-03-01", datatype=NamedNode(XSD + "date")),
    }


VALID = {"who": "urn:x:ann", "text": "t", "n": "1", "day": "2024-03-01"}
WRONG = [
    ("who", "ann"),
    ("who", "https://example.org/a b"),
    ("who", "https://example.org/<a>"),
    ("n", "4.5"),
    ("n", "twelve"),
    ("n", ""),
    ("day", "2024-13-01"),
    ("day", "yesterday"),
    *[("who", text) for text in INJECTIONS],
    *[("n", text) for text in INJECTIONS],
    *[("day", text) for text in INJECTIONS],
]


@pytest.mark.parametrize(("param", "raw"), WRONG)
def test_a_value_of_the_wrong_type_is_refused(typed: NamedQuery, param: str, raw: str) -> None:
    catalog = Catalog({typed.name: typed})
    with pytest.raises(QueryParameterError, match=param):
        catalog.bind("typed", {**VALID, param: raw})


def test_a_missing_parameter_is_refused(typed: NamedQuery) -> None:
    catalog = Catalog({typed.name: typed})
    with pytest.raises(QueryParameterError, match="needs parameter day"):
        catalog.bind("typed", {k: v for k, v in VALID.items() if k != "day"})


def test_an_unknown_parameter_is_refused(typed: NamedQuery) -> None:
    catalog = Catalog({typed.name: typed})
    with pytest.raises(QueryParameterError, match="no parameter colour"):
        catalog.bind("typed", {**VALID, "colour": "red"})


def test_a_long_rejected_value_is_shortened_in_the_message(typed: NamedQuery) -> None:
    catalog = Catalog({typed.name: typed})
    with pytest.raises(QueryParameterError) as caught:
        catalog.bind("typed", {**VALID, "n": "9" * 500 + "x"})
    assert len(str(caught.value)) < 200


# -- running through the store --------------------------------------------------------------


def _dataset(store: EmbeddedStore) -> bytes:
    return store.export(None, media_type="application/n-quads", dataset=True)


@pytest.mark.parametrize("raw", INJECTIONS)
def test_an_injected_string_is_only_a_value(
    catalog: Catalog, store: EmbeddedStore, raw: str
) -> None:
    before = _dataset(store)
    assert catalog.select(store, "find-by-name", {"text": raw}) == []
    assert _dataset(store) == before


@pytest.mark.parametrize("raw", INJECTIONS)
def test_an_injected_iri_is_refused(catalog: Catalog, store: EmbeddedStore, raw: str) -> None:
    before = _dataset(store)
    with pytest.raises(QueryParameterError):
        catalog.run(store, "people-by-practice", {"practice": raw}, accept="text/csv")
    assert _dataset(store) == before


def test_run_answers_in_the_accepted_format(catalog: Catalog, store: EmbeddedStore) -> None:
    answer = catalog.run(store, "find-by-name", {"text": "an"}, accept="text/csv")
    assert answer.media_type == "text/csv"
    assert answer.body.decode().splitlines() == [
        "text,resource,label,type",
        "an,https://example.org/ann,Ann,",
    ]


def test_select_returns_terms(catalog: Catalog, store: EmbeddedStore) -> None:
    rows = catalog.select(store, "find-by-name", {"text": "BOB"})
    assert rows == [
        {
            "text": Literal("BOB"),
            "resource": NamedNode("https://example.org/bob"),
            "label": Literal("Bob"),
        }
    ]
