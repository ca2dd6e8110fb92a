"""The update worker's mirror of the store (`service.store.mirror`) equals the store.

After a seeded random sequence of writes of every kind the embedded store makes (updates
with and without patterns, dependent sequences tried on the mirror itself, updates that fail
half-way, small and bulk loads with blank nodes, graph replaces, dataset loads, graph
deletes), and after its worker was killed at the budget, the mirror brought up to date holds
exactly the store's quads, blank-node labels included, and its named graphs. And a trial
after a write takes no new view of the store: that is what the mirror is for.
"""

from __future__ import annotations

import doctest
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.errors import LimitExceededError, OperationFailedError
from service.store import mirror as mirror_module
from service.store.embedded import EmbeddedStore
from service.store.mirror import Changes, Mirror
from service.store.workers import Views

Dataset = tuple[frozenset[ox.Quad], frozenset[ox.NamedNode | ox.BlankNode]]
NT = "application/n-triples"
TRIG = "application/trig"
GRAPHS = ["urn:x:g1", "urn:x:g2", "urn:x:g3"]
INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
BULK = 40
"""The store's bulk threshold here: loads from this many quads are bulk loads, which the
change log does not know quad by quad (the mirror is rebuilt after them)."""


@dataclass(frozen=True)
class MirrorContent:
    """A task for the update worker: its mirror brought up to date, read whole."""

    changes: Changes
    timeout_s: float = 30.0
    view: str = ""

    def run(self, views: Views) -> Dataset | None:
        mirror = views.kept(Mirror)
        if not mirror.catch_up(self.changes):
            return None
        return _content(mirror.db)


def _content(db: ox.Store) -> Dataset:
    graphs: frozenset[ox.NamedNode | ox.BlankNode] = frozenset(db.named_graphs())
    return frozenset(db.quads_for_pattern(None, None, None, None)), graphs


def mirrored(store: EmbeddedStore) -> Dataset | None:
    """The mirror's content at the store's current generation (None: none usable)."""
    changes = store._changes.pending()
    if changes is None:
        return None
    found: Dataset | None = store.update_workers.run(MirrorContent(changes))
    return found


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "store", update_timeout_s=10, bulk_threshold=BULK)
    yield opened
    opened.close()


def _triples(rng: random.Random, count: int) -> bytes:
    """N-Triples over a few subjects, some blank, so that later patterns match them."""
    lines = []
    for _ in range(count):
        subject = rng.choice(["_:b1", "_:b2", "<urn:x:s1>", "<urn:x:s2>", "<urn:x:s3>"])
        lines.append(f'{subject} <urn:x:p> "{rng.randrange(6)}"^^<{INTEGER}> .')
    return "\n".join(lines).encode()


def _graph(rng: random.Random) -> str:
    return rng.choice(GRAPHS)


UPDATES: list[Callable[[random.Random], str]] = [
    lambda r: (
        f"INSERT DATA {{ GRAPH <{_graph(r)}> {{ <urn:x:s{r.randrange(4)}> <urn:x:p> "
        f"{r.randrange(6)} . [] <urn:x:q> <urn:x:s1> }} }}"
    ),
    lambda r: f"DELETE DATA {{ GRAPH <{_graph(r)}> {{ <urn:x:s1> <urn:x:p> {r.randrange(6)} }} }}",
    lambda r: (
        f"WITH <{_graph(r)}> DELETE {{ ?s <urn:x:p> ?o }} INSERT {{ ?s <urn:x:p> ?n }} WHERE "
        f"{{ ?s <urn:x:p> ?o FILTER(?o <= {r.randrange(6)}) BIND(?o + 1 AS ?n) }}"
    ),
    lambda r: (
        f"INSERT {{ GRAPH <{_graph(r)}> {{ ?s <urn:x:r> [ <urn:x:from> ?o ] }} }} "
        "WHERE { GRAPH ?g { ?s <urn:x:p> ?o } } "
    ),
    lambda r: f"DELETE WHERE {{ GRAPH <{_graph(r)}> {{ ?s <urn:x:r> ?b . ?b ?p ?o }} }}",
    lambda r: (
        f"INSERT DATA {{ <urn:x:d> <urn:x:p> {r.randrange(9)} }} ; "
        "DELETE { ?s <urn:x:p> ?o } INSERT { ?s <urn:x:p2> ?o } WHERE { ?s <urn:x:p> ?o }"
    ),
    lambda r: f"COPY <{_graph(r)}> TO <{_graph(r)}>",
    lambda r: f"MOVE SILENT <{_graph(r)}> TO <{_graph(r)}>",
    lambda r: f"ADD <{_graph(r)}> TO DEFAULT",
    lambda r: f"CLEAR SILENT GRAPH <{_graph(r)}>",
    lambda r: f"DROP SILENT GRAPH <{_graph(r)}>",
    lambda r: f"CREATE SILENT GRAPH <{_graph(r)}>",
]
FAILING = (
    "INSERT DATA { <urn:x:f> <urn:x:p> 1 } ; DELETE WHERE { ?s <urn:x:p> ?o } ; "
    "DROP GRAPH <urn:x:absent>"
)
"""A dependent sequence, tried on the mirror itself, that fails after writing to it."""


def _write(store: EmbeddedStore, rng: random.Random) -> None:
    """One random write of any kind the store makes."""
    kind = rng.randrange(8)
    if kind <= 2:
        store.update(rng.choice(UPDATES)(rng))
    elif kind == 3:
        with pytest.raises(OperationFailedError):
            store.update(FAILING)
    elif kind == 4:
        count = rng.choice([3, BULK + 5])  # a small load or a bulk one
        store.load(
            _triples(rng, count), media_type=NT, graph=_graph(rng), replace=rng.random() < 0.5
        )
    elif kind == 5:
        trig = f"<urn:x:s1> <urn:x:p> 7 . GRAPH <{_graph(rng)}> {{ _:t <urn:x:p> 8 }}"
        store.load(trig.encode(), media_type=TRIG, graph=None, keep_graphs=True)
    elif kind == 6:
        store.load(_triples(rng, 2), media_type=NT, graph=None, replace=rng.random() < 0.3)
    else:
        target = rng.choice([None, *store.graphs()])
        store.delete_graph(target)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_mirror_equals_the_store_after_random_writes(store: EmbeddedStore, seed: int) -> None:
    rng = random.Random(seed)
    store.load(_triples(rng, 20), media_type=NT, graph=GRAPHS[0])
    checked = 0
    for step in range(60):
        _write(store, rng)
        if step % 6 == 5:
            store.update(UPDATES[2](rng))  # a trial: the mirror catches up, or is rebuilt
            assert mirrored(store) == _content(store._db), f"step {step}"
            checked += 1
    assert checked == 10


def test_a_mirror_killed_with_its_worker_is_rebuilt(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", update_timeout_s=1)
    try:
        distinct = "".join(f'<urn:x:s{i}> <urn:x:p> "{i}" .\n' for i in range(300))
        store.load(distinct.encode(), media_type=NT, graph="urn:x:g1")
        store.update(UPDATES[2](random.Random(5)))
        runaway = (  # 27 million rows
            "INSERT { GRAPH <urn:x:h> { ?a ?b ?c } } "
            "WHERE { GRAPH ?x { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }"
        )
        with pytest.raises(LimitExceededError):
            store.update(runaway)
        assert mirrored(store) is None  # the worker came back empty
        store.load(b'_:n <urn:x:p> "9" .', media_type=NT, graph="urn:x:g2")
        store.update(UPDATES[3](random.Random(6)))
        assert mirrored(store) == _content(store._db)
    finally:
        store.close()


def test_a_trial_after_a_write_takes_no_new_view(store: EmbeddedStore) -> None:
    modify = UPDATES[2](random.Random(7))
    store.load(_triples(random.Random(8), 20), media_type=NT, graph=GRAPHS[0])
    store.update(modify)  # builds the mirror from a view
    views = list(store._views)
    for _ in range(3):
        store.update(modify)
        store.load(b'<urn:x:s1> <urn:x:p> "1" .', media_type=NT, graph=GRAPHS[1])
    assert store._views == views
    assert mirrored(store) == _content(store._db)


def test_without_a_mirror_updates_are_tried_on_views(store: EmbeddedStore) -> None:
    """When the mirror cannot be built (a store past the budget or the memory ceiling),
    updates are tried on views as before, with the same outcome."""
    store._mirror_failed = True
    store.load(_triples(random.Random(9), 20), media_type=NT, graph=GRAPHS[0])
    before = _content(store._db)[0]
    delta = store.update_with_delta(UPDATES[3](random.Random(10)))
    assert delta.added and _content(store._db)[0] == before | delta.added
    assert store._changes.pending() is None
    with pytest.raises(OperationFailedError):
        store.update(FAILING)
    assert _content(store._db)[0] == before | delta.added


def test_doctests() -> None:
    assert doctest.testmod(mirror_module).failed == 0
