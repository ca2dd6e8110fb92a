"""The live findings of a store: built once from the store, patched by every committed write.

`LiveFindings` holds a `LiveValidation` of the validated graphs (every graph but the system
graphs, as a validation of the store reads them) with the built-in rules. The service's
writes bring it their delta (`service.guard`); a guarded write is applied to it first
(`attempt`) and rolled back (`revert`) when refused or when the store's own write fails, so
the findings always describe the last committed write. Readers and writers share one lock:
a reader never sees a write that is only being tried.

Blank nodes: the live state names the blank nodes of written data as its deltas named them
(a load's blank nodes are renamed on parse, as the store renames them on load), so its
labels may differ from the store's; the findings are the same up to that renaming, and
finding ids (content-derived, `service.reports.blanks`) are equal.

A store written behind the service's back (another client of a remote endpoint) is found by
its size (`stale`): the quads of the validated graphs are counted against the count the
live state expects, and a mismatch rebuilds the state once, saying so in the log. A write
that keeps the count (one triple replaced by another) is not seen this way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pyoxigraph as ox

from service.rdf.reader import graph_node
from service.reports.snapshot import Snapshot, validated_graphs
from service.store.base import Store
from service.validation import ShapePack, load_builtin, unique_findings
from service.validation.entailed import Delta
from service.validation.live import LiveValidation, Outcome
from service.validation.model import SEVERITIES, Finding, Severity
from service.validation.prepare import PreparedData

log = logging.getLogger(__name__)

_COUNT_NAMED = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"""


@dataclass(frozen=True)
class Change:
    """What one committed write did to the findings: how many it opened and closed."""

    opened: int = 0
    closed: int = 0

    def __add__(self, other: Change) -> Change:
        return Change(self.opened + other.opened, self.closed + other.closed)


def quads_of(store: Store, graphs: Sequence[str | None] | None = None) -> list[ox.Quad]:
    """The quads of `graphs` of the store (None: every validated graph), read from one state
    where the store can (`Store.export_graphs`); blank nodes keep the store's labels."""
    if graphs is None:
        snapshot = Snapshot.of_store(store)
    else:
        wanted = list(graphs)
        snapshot = Snapshot(
            tuple(
                store.export_graphs(
                    lambda names: [g for g in wanted if g is None or g in names],
                    media_type="application/n-triples",
                )
            )
        )
    quads: list[ox.Quad] = []
    for name, body in snapshot.graphs:
        node = graph_node(name)
        quads.extend(
            ox.Quad(q.subject, q.predicate, q.object, node)
            for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)
        )
    return quads


def count_validated(store: Store) -> int:
    """Quads in the store's validated graphs (the default graph and every non-system named
    graph): the cheap change marker `LiveFindings.stale` compares."""
    rows = store.select(_COUNT_NAMED)
    named = {str(r["g"].value): int(r["n"].value) for r in rows if "g" in r and "n" in r}
    kept = validated_graphs(sorted(named))
    return store.count(None) + sum(named[g] for g in kept)


def net(delta: Delta, base: ox.Store) -> Delta:
    """The quads `delta` really removes from and adds to `base` (removals first, as in
    SPARQL Update): the inverse of the result undoes it exactly.

    >>> q = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o"))
    >>> store = ox.Store([q])
    >>> net(Delta.of(added=[q], removed=[q]), store)
    Delta(added=frozenset(), removed=frozenset())
    """
    removed = {q for q in delta.removed if q in base and q not in delta.added}
    added = {q for q in delta.added if q not in base}
    return Delta(frozenset(added), frozenset(removed))


def inverse(delta: Delta) -> Delta:
    """The delta that undoes a net delta (`net`)."""
    return Delta(delta.removed, delta.added)


class LiveFindings:
    """The current findings of the store's validated graphs under the built-in rules."""

    def __init__(self, live: LiveValidation, *, expected: int, watch: bool) -> None:
        self._live = live
        self._expected = expected
        self._watch = watch
        self._lock = threading.RLock()
        self._version = 0
        self._ordered: tuple[int, list[Finding]] = (-1, [])

    @classmethod
    def build(cls, store: Store, *, watch: bool, pack: ShapePack | None = None) -> LiveFindings:
        """Read the store's validated graphs and validate them whole, with a progress line
        before and after in the log. `watch`: the store may be written behind the service's
        back (a remote endpoint), so reads check `stale` first."""
        started = time.monotonic()
        log.info("live findings: reading the store and validating it whole")
        quads = quads_of(store)
        live = LiveValidation(quads, pack or load_builtin())
        state = cls(live, expected=len(quads), watch=watch)
        log.info(
            "live findings: %d findings over %d quads, ready in %.1f s",
            len(state.findings()),
            len(quads),
            time.monotonic() - started,
        )
        return state

    @property
    def pack(self) -> ShapePack:
        return self._live.pack

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state still (a write's check and commit, or a read of many findings)."""
        with self._lock:
            yield

    def graph_quads(self, graph: str | None) -> list[ox.Quad]:
        """The quads one validated graph holds now (as the live state names them)."""
        node = graph_node(graph)  # InputError (400) for an IRI that is not one
        with self._lock:
            return self._live.data.graph_quads(node)

    def copy_of_data(self) -> ox.Store:
        """A private in-memory store holding the validated graphs (to try a write on)."""
        with self._lock:
            copy = ox.Store()
            copy.extend(self._live.data.user_quads())
            return copy

    def attempt(self, delta: Delta) -> tuple[Delta, Outcome]:
        """Apply `delta` (its net part, returned so `revert` can undo it) and its outcome."""
        with self._lock:
            done = net(delta, self._live.data.base)
            outcome = self._live.apply(done)
            self._expected += len(done.added) - len(done.removed)
            self._version += 1
            return done, outcome

    def revert(self, done: Delta) -> None:
        """Undo an `attempt` (its returned net delta)."""
        self.attempt(inverse(done))

    def commit(self, delta: Delta) -> Outcome:
        """Apply a write the store has made."""
        return self.attempt(delta)[1]

    def findings(self) -> list[Finding]:
        """The current findings, each once, in a stable order (cached until the next write)."""
        with self._lock:
            version, ordered = self._ordered
            if version != self._version:
                ordered = sorted(unique_findings(self._live.findings()), key=_order)
                self._ordered = (self._version, ordered)
            return ordered

    def data(self) -> PreparedData:
        """The prepared view of the current data (read it while holding `locked`)."""
        return PreparedData(self._live.data.view)

    def stale(self, store: Store) -> bool:
        """True when the store's validated graphs no longer hold the count of quads the live
        state expects: something wrote the store behind the service's back."""
        if not self._watch:
            return False
        return count_validated(store) != self._expected

    def refresh(self, store: Store) -> bool:
        """Rebuild from the store when `stale` (once, logged); True when it rebuilt."""
        with self._lock:
            if not self.stale(store):
                return False
            log.warning("live findings: the store changed behind the service's back; rebuilding")
            fresh = LiveFindings.build(store, watch=self._watch, pack=self._live.pack)
            self._live, self._expected = fresh._live, fresh._expected
            self._version += 1
            return True


def at_least(findings: frozenset[Finding], level: Severity) -> list[Finding]:
    """The findings at `level` or more severe, in a stable order."""
    severe = SEVERITIES[: SEVERITIES.index(level) + 1]
    return sorted((f for f in findings if f.severity in severe), key=_order)


def change_of(outcome: Outcome) -> Change:
    """The counts of an outcome, each finding once (`unique_findings`)."""
    return Change(len(unique_findings(outcome.opened)), len(unique_findings(outcome.closed)))


def _order(finding: Finding) -> tuple[str, ...]:
    return tuple(str(x) for x in (*finding.key, finding.path, finding.shape, finding.message))
