"""An update's delta, computed before it is applied, against pyoxigraph's own `update`.

For every update below (each form of SPARQL 1.1 Update, blank nodes, `WITH`/`USING`,
sequences, the W3C update syntax tests), the data after writing the computed delta equals
the data after pyoxigraph ran the update on a copy (each graph compared up to blank-node
isomorphism, and the named graphs), and the delta holds real changes only. Then the same
through the embedded store, whose trial runs in a worker on a read-only view, or on a
writable checkpoint when an operation reads what an earlier one wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from service.errors import InputError, OperationFailedError, TooLargeError
from service.store.delta import QuadDelta, State, apply_operations, write_delta
from service.store.embedded import EmbeddedStore
from service.store.operations import needs_writable_copy, operations
from tests.shared import W3C_DIR

BASE = "http://example/base/"
SEED = """
PREFIX : <http://e/>
:a :p 1 , 2 ; :q :b ; :name "a"@en .
:b :p 3 ; :q :c .
_:x :p 4 ; :q :a .
GRAPH :g { :a :p 10 . :b :p 20 . _:y :q :a . :c :r "x" }
GRAPH :h { :a :q :b . :s :p "o1" }
GRAPH <http://example/base/G> { <http://example/base/s> <http://example/base/p> 'o1' }
"""
P = "PREFIX : <http://e/>\n"

CASES = {
    "insert-data": P + "INSERT DATA { :n :p 1 . :a :p 1 . GRAPH :g { :n :p [ :q 2 ] , ( 1 2 ) } }",
    "delete-data": P + "DELETE DATA { :a :p 1 . :a :p 99 . GRAPH :g { :a :p 10 } }",
    "delete-where": P + "DELETE WHERE { ?s :p ?o . ?s :q ?t }",
    "delete-where-graph": P + "DELETE WHERE { GRAPH :g { ?s :p ?o } }",
    "modify": P + "DELETE { ?s :p ?o } INSERT { ?s :p ?n } WHERE { ?s :p ?o BIND(?o * 2 AS ?n) }",
    "modify-unbound": P
    + "INSERT { ?s :r ?u . ?s :seen true } WHERE { ?s :p ?o OPTIONAL { ?s :zz ?u } }",
    "modify-ill-formed": P + "INSERT { ?o :r ?s . ?s ?o 1 } WHERE { ?s :p ?o }",
    "modify-blank": P + "INSERT { ?s :made [ :from ?o ] . _:z :also ?s } WHERE { ?s :p ?o }",
    "modify-with": P + "WITH :g DELETE { ?s :p ?o } INSERT { ?s :p2 ?o } WHERE { ?s :p ?o }",
    "modify-with-graph": P
    + "WITH :g INSERT { GRAPH :h { ?s :from-g ?o } ?s :copied true } WHERE { ?s :p ?o }",
    "modify-using": P + "INSERT { ?s :u ?o } USING :g WHERE { ?s :p ?o }",
    "modify-using-named": P + "INSERT { ?s :un ?g } USING NAMED :h WHERE { GRAPH ?g { ?s ?p ?o } }",
    "modify-using-both": P + "INSERT { ?s :ub ?o } USING :g USING NAMED :h "
    "WHERE { { ?s :p ?o } UNION { GRAPH ?g { ?s :q ?o } } }",
    "modify-with-using": P + "WITH :h INSERT { ?s :wu ?o } USING :g WHERE { ?s :p ?o }",
    "modify-graph-var": P + "DELETE { GRAPH ?g { ?s ?p ?o } } "
    "WHERE { GRAPH ?g { ?s ?p ?o FILTER(?o = 10 || ?o = 'o1') } }",
    "modify-graph-var-insert": P
    + "INSERT { GRAPH ?g { ?s :in ?g } } WHERE { GRAPH ?g { ?s :p ?o } }",
    "modify-no-vars": P + "INSERT { :k :k :k } WHERE { ?s :p ?o }",
    "modify-no-vars-blank": P + "INSERT { [] :k :k } WHERE { ?s :p ?o }",
    "modify-no-solution": P + "DELETE { ?s ?p ?o } WHERE { ?s :nothing ?o . ?s ?p ?o }",
    "modify-delete-insert-same": P + "DELETE { ?s :p ?o } INSERT { ?s :p ?o } WHERE { ?s :p ?o }",
    "comments": P + "INSERT { ?s :c '}' # } DROP ALL\r . ?s :d <http://e/x> }\nWHERE { ?s :p ?o }",
    "values": P + "INSERT { ?s :v ?v } WHERE { VALUES ?v { 1 2 } ?s :q ?o }",
    "sequence-independent": P + "INSERT DATA { GRAPH :k { :k :k 1 } } ; DELETE WHERE { ?s :p 1 }",
    "sequence-dependent": P
    + "INSERT DATA { :n :p 1 } ; DELETE { ?s :p 1 } INSERT { ?s :p 5 } WHERE { ?s :p 1 }",
    "sequence-modifies": P + "DELETE { ?s :p ?o } INSERT { ?s :p2 ?o } WHERE { ?s :p ?o } ; "
    "INSERT { ?s :p3 ?o } WHERE { ?s :p2 ?o }",
    "clear-graph": P + "CLEAR GRAPH :g",
    "clear-default": "CLEAR DEFAULT",
    "clear-named": "CLEAR NAMED",
    "clear-all": "CLEAR ALL",
    "drop-graph": P + "DROP GRAPH :g",
    "drop-named": "DROP NAMED",
    "drop-all": "DROP ALL",
    "drop-silent-absent": "DROP SILENT GRAPH <http://e/absent>",
    "create": P + "CREATE GRAPH :new",
    "create-silent-present": P + "CREATE SILENT GRAPH :g",
    "add": P + "ADD :g TO :h",
    "add-default": P + "ADD DEFAULT TO :h",
    "add-absent": P + "ADD :absent TO :h",
    "copy": P + "COPY :g TO :h",
    "copy-to-default": P + "COPY :h TO DEFAULT",
    "copy-absent": P + "COPY :absent TO :h",
    "move": P + "MOVE :g TO :h",
    "move-to-new": P + "MOVE :h TO :new",
    "move-same": P + "MOVE :g TO :g",
    "move-silent-absent": P + "MOVE SILENT :absent TO :g",
    "clear-then-insert": P + "CLEAR GRAPH :g ; INSERT DATA { GRAPH :g { :a :p 10 . :n :n :n } }",
    "drop-then-insert": P + "DROP GRAPH :h ; INSERT DATA { GRAPH :h { :a :q :b } }",
    "create-then-drop": P + "CREATE GRAPH :new ; DROP GRAPH :new",
    "insert-then-clear": P + "INSERT DATA { GRAPH :h { :z :z :z } } ; CLEAR GRAPH :h ; "
    "INSERT DATA { GRAPH :h { :a :q :b } }",
    "base-and-prefix": "BASE <http://e/> PREFIX x: <p/> INSERT DATA { <rel> x:a 'A' } ; "
    "INSERT DATA { <rel2> x:a 'B' }",
}
FAILING = {
    "drop-absent": "DROP GRAPH <http://e/absent>",
    "clear-absent": "CLEAR GRAPH <http://e/absent>",
    "create-present": P + "CREATE GRAPH :g",
    "move-absent": P + "MOVE :absent TO :g",
    "second-fails": P + "DELETE WHERE { ?s :p ?o } ; DROP GRAPH :absent",
}


def _w3c_updates() -> Iterator[tuple[str, str]]:
    folder = W3C_DIR / "sparql11-protocol/sparql/sparql11/syntax-update-1"
    for path in sorted(folder.glob("syntax-update-[0-9]*.ru")):
        text = path.read_text(encoding="utf-8")
        if "LOAD" not in text and "_:b1 :p :o }\n;" not in text:  # 54: refused by the engine
            yield f"w3c-{path.stem}", text


ALL_CASES = {**CASES, **dict(_w3c_updates())}


def _seeded() -> ox.Store:
    db = ox.Store()
    db.load(SEED.encode(), ox.RdfFormat.TRIG)
    db.add_graph(ox.NamedNode("http://e/empty"))
    return db


def _graphs(db: ox.Store) -> dict[str, Graph]:
    """Each graph's triples as an rdflib graph (blank nodes compared up to isomorphism)."""
    found: dict[str, list[str]] = {}
    for quad in db:
        found.setdefault(str(quad.graph_name), []).append(f"{ox.Triple(*quad.triple)} .")
    for name in db.named_graphs():
        found.setdefault(str(name), [])
    return {k: Graph().parse(data="\n".join(v), format="nt") for k, v in found.items()}


def assert_same(ours: ox.Store, theirs: ox.Store) -> None:
    mine, expected = _graphs(ours), _graphs(theirs)
    assert sorted(mine) == sorted(expected)
    for name, graph in expected.items():
        assert isomorphic(mine[name], graph), name


def _computed(update: str) -> tuple[ox.Store, QuadDelta]:
    """The seed with the update's delta written (the operations evaluated as the store's
    trial evaluates them: on a writable copy when one reads what an earlier one wrote)."""
    db = _seeded()
    before = set(db)
    found = operations(update, BASE)
    delta = apply_operations(
        State(db, writable=needs_writable_copy(found), max_quads=10_000), found
    )
    assert not delta.added & before and delta.removed <= before, "not real changes"
    write_delta(db, delta)
    return db, delta


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_the_computed_delta_writes_what_the_engine_writes(name: str) -> None:
    update = ALL_CASES[name]
    theirs = _seeded()
    try:
        theirs.update(update, base_iri=BASE)
    except RuntimeError:  # fails by SPARQL Update's rules (DROP of an absent graph)
        with pytest.raises(OperationFailedError):
            _computed(update)
        return
    ours, _ = _computed(update)
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", sorted(FAILING))
def test_an_update_failing_by_the_rules_fails_in_its_delta(name: str) -> None:
    with pytest.raises(RuntimeError):
        _seeded().update(FAILING[name], base_iri=BASE)
    with pytest.raises(OperationFailedError):
        _computed(FAILING[name])


def test_the_delta_of_a_modify_is_exactly_the_difference() -> None:
    update = (
        P + "DELETE { ?s :p ?o } INSERT { ?s :p ?n } "
        "WHERE { ?s :p ?o FILTER(isIRI(?s)) BIND(?o + 1 AS ?n) }"
    )
    _, delta = _computed(update)
    e = "http://e/"

    def quad(s: str, o: int) -> ox.Quad:
        return ox.Quad(
            ox.NamedNode(e + s),
            ox.NamedNode(e + "p"),
            ox.Literal(str(o), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ox.DefaultGraph(),
        )

    # :a :p 1 , 2 becomes 2 , 3: 2 stays (deleted and inserted), 1 goes, 3 comes
    assert delta.removed == {quad("a", 1), quad("b", 3)}
    assert delta.added == {quad("a", 3), quad("b", 4)}


def test_a_runaway_template_product_is_refused() -> None:
    db = _seeded()
    update = P + "INSERT { ?a :x ?b } WHERE { ?a ?p ?o . ?b ?q ?r }"
    with pytest.raises(TooLargeError):
        apply_operations(State(db, max_quads=5), operations(update))


def test_only_dependent_sequences_need_a_writable_copy() -> None:
    assert not needs_writable_copy(operations(CASES["sequence-independent"]))
    assert needs_writable_copy(operations(CASES["sequence-dependent"]))
    assert needs_writable_copy(operations(CASES["sequence-modifies"]))
    assert not needs_writable_copy(operations(CASES["modify-with"]))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    folder: Path = tmp_path_factory.mktemp("delta")
    opened = EmbeddedStore(folder / "store", update_timeout_s=30)
    yield opened
    opened.close()


STORE_CASES = ["modify-blank", "modify-with-graph", "modify-using-named", "sequence-independent",
               "sequence-dependent", "sequence-modifies", "drop-graph", "move", "insert-data",
               "clear-then-insert", "w3c-syntax-update-32"]  # fmt: skip


@pytest.mark.parametrize("name", STORE_CASES)
def test_the_store_applies_its_delta_as_the_engine_would(store: EmbeddedStore, name: str) -> None:
    for graph in [None, *store.graphs()]:
        store.delete_graph(graph)
    store.load(SEED.encode(), media_type="application/trig", graph=None, keep_graphs=True)
    store.update("CREATE GRAPH <http://e/empty>")
    before = _dataset(store)
    delta = store.update_with_delta(ALL_CASES[name], base_iri=BASE)
    after = _dataset(store)
    theirs = _seeded()
    theirs.update(ALL_CASES[name], base_iri=BASE)
    assert_same(after, theirs)
    assert set(after) == (set(before) - delta.removed) | delta.added


def test_an_unreadable_update_is_refused_and_changes_nothing(store: EmbeddedStore) -> None:
    before = set(_dataset(store))
    with pytest.raises(InputError):
        store.update("INSERT DATA { <http://e/a> <http://e/b> TRUE }")
    assert set(_dataset(store)) == before


def _dataset(store: EmbeddedStore) -> ox.Store:
    """A copy of the store's quads as stored (an export would relabel blank nodes)."""
    db = ox.Store()
    db.extend(store._db)
    for name in store.graphs():
        db.add_graph(ox.NamedNode(name))
    return db
