"""RDF 1.2 triple terms in SPARQL text: refused with 400, on both backends, and never a 500.

pyoxigraph 0.5 parses SPARQL 1.2, so a write token could store triple terms through
`/update` (which uploads refuse), and `SELECT (TRIPLE(...) AS ?t) {}` answered 500 from the
results writer. Each form below is first shown to be accepted by the engine itself (so the
case is real), then refused by the service with the store unchanged. SPARQL 1.1 texts that
come close stay accepted. The results writer refuses a triple term on its own too.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service.errors import InputError
from service.rdf.formats import RDF_FORMATS, RESULTS_FORMATS
from service.store.deadline import Deadline
from service.store.results import serialise
from tests.hardening.conftest import READ, WRITE, Service, problem_of

REFUSAL = "RDF 1.2 triple terms are not supported"
QUERY = {"Content-Type": "application/sparql-query"} | READ
UPDATE = {"Content-Type": "application/sparql-update"} | WRITE
A, B, C, D, E = "<urn:ex:a>", "<urn:ex:b>", "<urn:ex:c>", "<urn:ex:d>", "<urn:ex:e>"

UPDATES = {
    "triple-term": f"INSERT DATA {{ {A} {B} <<( {C} {D} {E} )>> }}",
    "triple-term-glued": "INSERT { <urn:ex:a> <urn:ex:b> <<(?s?p?o)>> } WHERE { ?s ?p ?o }",
    "annotation": f"INSERT DATA {{ {A} {B} {C} {{| {D} {E} |}} }}",
    "reified-triple": f"INSERT DATA {{ {A} {B} << {C} {D} {E} >> }}",
    "reifier-in-triple": f"INSERT DATA {{ << {C} {D} {E} ~ {A} >> {B} 1 }}",
    "reifier": f"INSERT DATA {{ {A} {B} {C} ~ {D} }}",
    "triple-function": f"INSERT {{ {A} {B} ?t }} WHERE {{ BIND(TRIPLE({A}, {B}, {C}) AS ?t) }}",
    "triple-lower-case": f"INSERT {{ {A} {B} ?t }} WHERE {{ BIND(triple ({A}, {B}, {C}) AS ?t) }}",
}
QUERIES = {
    "select-triple": f"SELECT (TRIPLE({A}, {B}, {C}) AS ?t) {{}}",
    "construct-triple": f"CONSTRUCT {{ {A} {B} ?t }} WHERE {{ BIND(TRIPLE({A}, {B}, {C}) AS ?t) }}",
    "values": f"SELECT * {{ VALUES ?t {{ <<( {A} {B} {C} )>> }} }}",
    "pattern": "SELECT * { ?x ?y <<( ?s ?p ?o )>> }",
    "istriple": "SELECT * { ?s ?p ?o FILTER(isTRIPLE(?o)) }",
    "istriple-glued": "SELECT * { ?s ?p ?o FILTERisTRIPLE(?o) }",
    "subject": "SELECT (SUBJECT(?o) AS ?x) { ?s ?p ?o }",
    "predicate": "SELECT (PREDICATE(?o) AS ?x) { ?s ?p ?o }",
    "object": "SELECT (OBJECT(?o) AS ?x) { ?s ?p ?o }",
}
SPARQL_11 = {
    "less-than-an-iri": "SELECT * { ?s ?p ?o FILTER(?o < <urn:ex:x>) }",
    "property-named-object": "PREFIX : <urn:ex:> SELECT * { ?s :object (1 2) }",
    "function-named-subject": "PREFIX ex: <urn:ex:> SELECT (ex:subject(?o) AS ?x) { ?s ?p ?o }",
    "variables-named-so": "SELECT ?triple ?object { ?triple ?subject ?object }",
    "in-strings-and-comments": "SELECT * { ?s ?p '<<( ~ {| TRIPLE(' } # <<( ~ {| OBJECT(",
    "tilde-escaped-in-a-name": "PREFIX : <urn:ex:> SELECT * { :a\\~b ?p ?o }",
}


def _engine_accepts(text: str, *, update: bool) -> None:
    """The oracle: pyoxigraph itself parses (and runs) the text."""
    store = ox.Store()
    if update:
        store.update(text)
    else:
        store.query(text, custom_functions={ox.NamedNode("urn:ex:subject"): lambda _: None})


@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES)
def test_an_update_writing_a_triple_term_is_400(shared: Service, update: str) -> None:
    _engine_accepts(update, update=True)
    before = shared.fingerprint()
    for guard in ({}, {"guard": "violation"}):
        answer = shared.client.post("/update", params=guard, content=update, headers=UPDATE)
        assert REFUSAL in problem_of(answer, 400)["detail"]
    assert shared.fingerprint() == before


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES)
def test_a_query_with_a_triple_term_is_400(shared: Service, query: str) -> None:
    _engine_accepts(query, update=False)
    before = shared.fingerprint()
    for send in (
        lambda: shared.client.post("/sparql", content=query, headers=QUERY),
        lambda: shared.client.get("/sparql", params={"query": query}, headers=READ),
    ):
        assert REFUSAL in problem_of(send(), 400)["detail"]
    assert shared.fingerprint() == before


@pytest.mark.parametrize("query", SPARQL_11.values(), ids=SPARQL_11)
def test_sparql_11_that_looks_alike_still_runs(shared: Service, query: str) -> None:
    answer = shared.client.post("/sparql", content=query, headers=QUERY)
    assert answer.status_code == 200, answer.text


ANSWERS = [
    (fmt.media_type, f"SELECT ?x (TRIPLE({A}, {B}, {C}) AS ?t) {{}}") for fmt in RESULTS_FORMATS
]
ANSWERS += [
    (fmt.media_type, f"CONSTRUCT {{ {A} {B} ?t }} WHERE {{ BIND(TRIPLE({A}, {B}, {C}) AS ?t) }}")
    for fmt in RDF_FORMATS
]


@pytest.mark.parametrize(("accept", "query"), ANSWERS, ids=[accept for accept, _ in ANSWERS])
def test_the_results_writer_refuses_a_triple_term_whatever_the_format(
    accept: str, query: str
) -> None:
    """Past the text guard (a remote store holding triple terms), an answer with one is an
    `InputError` (400), never a half-written body or a 500."""
    answer = ox.Store().query(query)
    with pytest.raises(InputError, match=REFUSAL):
        serialise(answer, accept, max_rows=10, deadline=Deadline(5))
