"""The live findings of a store: kept in it, patched by every committed write.

`LiveFindings` holds a `LiveValidation` of the validated graphs (every graph but the system
graphs, as a validation of the store reads them) with the built-in rules; with the rules over
analytics (`TRISKEL_ANALYTICS_RULES`) also of the analytics graph, whose recomputation
(`POST /analyse`) comes to it as a write of the service (`service.guard.Recomputed`). The service's
writes bring it their delta (`service.guard`); a guarded write is applied to it first
(`attempt`) and rolled back (`revert`) when refused or when the store's own write fails, so
the findings always describe the last committed write. Readers and writers share one lock:
a reader never sees a write that is only being tried.

The findings are kept in the store (`service.findings.saved`): `start` serves them from there
when the stamp matches, and the engine warms up from the store in the background
(`warm_up`); else it validates the store whole once and writes them. Each write of the
service runs inside `writing`: the stamp taken away before, the findings the write opened and
closed (`attempt` notes them) written with the stamp after.

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
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox
from rdflib import BNode

from service import heap
from service.errors import StoreError
from service.findings.saved import Kept, Record, Stamp, read_records, read_stamp, state_version
from service.rdf.reader import graph_node
from service.reports.history import shapes_version
from service.reports.model import Report
from service.reports.snapshot import Snapshot, validated_graphs
from service.store.base import Row, Store
from service.store.deadline import Deadline
from service.store.results import own_rows
from service.validation import ShapePack, load_builtin, unique_findings
from service.validation.entailed import Delta, EntailedData
from service.validation.live import LiveValidation, Outcome
from service.validation.model import SEVERITIES, Finding, Severity
from service.validation.prepare import PreparedData

log = logging.getLogger(__name__)
T = TypeVar("T")

LARGE_WRITE = 10_000
"""Quads a write changes above which the process gives the memory it freed back afterwards
(`service.heap`): an import re-checks rules over the whole view, with large hash tables."""
ROWS_TIMEOUT_S = 30.0
"""How long `LiveFindings.rows` reads the rows of one of the service's own queries."""
_COUNT_NAMED = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"""


@dataclass(frozen=True)
class Change:
    """What one committed write did to the findings: how many it opened and closed."""

    opened: int = 0
    closed: int = 0

    def __add__(self, other: Change) -> Change:
        return Change(self.opened + other.opened, self.closed + other.closed)


def quads_of(
    store: Store, graphs: Sequence[str | None] | None = None, *, analytics: bool = False
) -> list[ox.Quad]:
    """The quads of `graphs` of the store (None: every validated graph, and the analytics
    graph when `analytics`), read from one state where the store can
    (`Store.export_graphs`); blank nodes keep the store's labels."""
    if graphs is None:
        snapshot = Snapshot.of_store(store, analytics=analytics)
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


def count_validated(store: Store, *, analytics: bool = False) -> int:
    """Quads in the store's validated graphs (the default graph and every non-system named
    graph, and the analytics graph when `analytics`): the cheap change marker
    `LiveFindings.stale` compares."""
    rows = store.select(_COUNT_NAMED)
    named = {str(r["g"].value): int(r["n"].value) for r in rows if "g" in r and "n" in r}
    kept = validated_graphs(sorted(named), analytics=analytics)
    return store.count(None) + sum(named[g] for g in kept)


def net(delta: Delta, base: ox.Store) -> Delta:
    """The quads `delta` really removes from and adds to `base` (removals first, as in
    SPARQL Update): the inverse of the result undoes it exactly.

    >>> q = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o"))
    >>> store = ox.Store()
    >>> store.add(q)
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
    """The current findings of the store's validated graphs under the built-in rules.

    Started from a maintained state (`start`), it serves the kept findings at once and
    warms its engine up in the background (`warm_up`): reads of the findings never wait
    for it; writes, context filters and `/alignment` do (`wait_ready`)."""

    def __init__(
        self,
        live: LiveValidation | None,
        *,
        expected: int,
        watch: bool,
        pack: ShapePack,
        kept: Kept,
        records: Sequence[Record] = (),
    ) -> None:
        self._live = live
        self._pack = pack
        self._expected = expected
        self._watch = watch
        self._kept = kept
        self._records = {r.finding: r for r in records}
        self._ready = threading.Event()
        if live is not None:
            self._ready.set()
        self._failure: Exception | None = None
        self._lock = threading.RLock()
        self._version = 0
        self._ordered: tuple[int, list[Finding]] = (-1, [])

    @classmethod
    def start(cls, store: Store, *, watch: bool, pack: ShapePack | None = None) -> LiveFindings:
        """The live findings of the store: from its maintained state when the stamp matches
        (not warmed up yet: call `warm_up`), else rebuilt once and the state written."""
        pack = pack or load_builtin()
        version = state_version(pack, shapes_version(pack))
        stamp = read_stamp(store)
        reason = _stale_reason(store, stamp, version, watch=watch, analytics=pack.analytics)
        if reason is None and stamp is not None:
            started = time.monotonic()
            stored = read_records(store)
            kept = Kept({record.finding: line for record, line in stored}, stamp)
            records = [record for record, _ in stored]
            if kept.count == stamp.records:
                log.info(
                    "live findings: serving the maintained state, %d findings read in %.1f s",
                    len(records),
                    time.monotonic() - started,
                )
                return cls(
                    None, expected=stamp.quads, watch=watch, pack=pack, kept=kept, records=records
                )
            reason = "the maintained state misses some of its findings"
        log.warning("live findings: %s; rebuilding it once", reason)
        written = None if stamp is None else stamp.written
        return cls.build(store, watch=watch, pack=pack, version=version, written=written)

    @classmethod
    def build(
        cls,
        store: Store,
        *,
        watch: bool,
        pack: ShapePack | None = None,
        version: str | None = None,
        written: str | None = None,
    ) -> LiveFindings:
        """Read the store's validated graphs, validate them whole and write the maintained
        state, with a progress line before and after in the log. `watch`: the store may be
        written behind the service's back (a remote endpoint), so reads check `stale` first.
        `written`: the last write of the service the stale stamp named, kept."""
        pack = pack or load_builtin()
        version = version or state_version(pack, shapes_version(pack))
        live, quads = _validated(store, pack)
        stamp = Stamp(version, quads, 0, written)
        state = cls(live, expected=quads, watch=watch, pack=pack, kept=Kept({}, stamp))
        state._kept.replace(store, state._all_records(), quads)
        return state

    @classmethod
    def detached(cls, store: Store, *, pack: ShapePack | None = None) -> LiveFindings:
        """The store's findings built in memory and never written back (a what-if from the
        command line, which must leave the store as it found it)."""
        pack = pack or load_builtin()
        live, quads = _validated(store, pack)
        stamp = Stamp(state_version(pack, shapes_version(pack)), quads, 0)
        return cls(live, expected=quads, watch=False, pack=pack, kept=Kept({}, stamp))

    def warm_up(self, store: Store) -> None:
        """Build the engine from the store (a progress line in the log) and bring the kept
        state in line with it (blank-node labels and contexts as this process names them);
        writes waiting for it go on afterwards. A failure is kept and raised to them."""
        try:
            live, quads, restored = self._warm(store)
            with self._lock:
                self._live, self._expected = live, quads
                self._version += 1
                if not restored:
                    self._kept.replace(store, self._all_records(), quads)
                self._records = {}
        except Exception as exc:  # kept for the writes waiting on it, which raise it
            log.exception("live findings: the warm-up failed")
            self._failure = exc
        finally:
            self._ready.set()

    def _warm(self, store: Store) -> tuple[LiveValidation, int, bool]:
        """The engine built from the store, its quad count, and whether it was restored
        from the kept findings without running the rules again: when they name no blank
        node (the store's labels may not be those the last process gave them) and the
        engine agrees with them. Else validated whole (the kept state is then rewritten)."""
        known = self._kept.findings
        if not any(isinstance(f.focus, BNode) or isinstance(f.value, BNode) for f in known):
            doing = "restoring the engine from the kept findings (served meanwhile)"
            live, quads = _validated(store, self._pack, doing=doing, known=known)
            found = live.findings()
            if quads == self._expected and {f.lasting for f in found} == {f.lasting for f in known}:
                self._kept.relabel(found)
                return live, quads, True
            log.warning("live findings: the kept findings do not match the store; validating")
        doing = "warming the engine up (the kept findings are served meanwhile)"
        live, quads = _validated(store, self._pack, doing=doing)
        return live, quads, False

    @property
    def ready(self) -> bool:
        """True once the engine is warm (writes need it); while False, `findings` are the
        kept ones (`kept_record` gives each one's record)."""
        return self._live is not None

    def wait_ready(self) -> LiveValidation:
        """The warm engine, after waiting for the warm-up (never while holding `locked`:
        the warm-up takes the lock to finish); raises its failure."""
        live = self._live
        if live is None:
            self._ready.wait()
            live = self._live
            if live is None:
                raise StoreError(f"the live findings could not be built: {self._failure}")
        return live

    @property
    def pack(self) -> ShapePack:
        return self._pack

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state still (a write's check and commit, or a read of many findings)."""
        with self._lock:
            yield

    @contextmanager
    def writing(self, store: Store) -> Iterator[None]:
        """Around one write of the service: the stamp taken away before, the findings it
        opened and closed and the stamp written after (also when it failed: then it opened
        and closed nothing)."""
        self.wait_ready()
        with self._lock:
            self._kept.begin(store)
        written = False
        try:
            yield
            written = True
        finally:
            with self._lock:
                self._kept.finish(store, self._records_of, self._expected, written=written)

    @property
    def last_write(self) -> str | None:
        """When the service last committed a write (ISO 8601, UTC), kept in the store's
        stamp; None before its first write, or after the store was written outside it."""
        return self._kept.last_write

    def graph_quads(self, graph: str | None) -> list[ox.Quad]:
        """The quads one validated graph holds now (as the live state names them)."""
        node = graph_node(graph)  # InputError (400) for an IRI that is not one
        with self._lock:
            return self.wait_ready().data.graph_quads(node)

    def copy_of_data(self) -> ox.Store:
        """A private in-memory store holding the validated graphs (to try a write on)."""
        with self._lock:
            copy = ox.Store()
            copy.extend(self.wait_ready().data.user_quads())
            return copy

    def read_still(self, read: Callable[[LiveValidation], T], *, tries: int = 2) -> T:
        """`read(engine)` of one state of the findings and the data, without holding writes
        back while it runs: a write committed (or tried) meanwhile bumps the version, and
        `read` runs again; after `tries` such runs it runs once more with writes held back.
        For a reader of many findings and their context (a whole report) that would
        otherwise keep every write waiting for seconds."""
        self.wait_ready()  # never waited for holding the lock: the warm-up takes it to finish
        for _ in range(tries):
            with self._lock:
                live, version = self.wait_ready(), self._version
            found = read(live)
            with self._lock:
                if self._version == version and self._live is live:
                    return found
        with self._lock:
            return read(self.wait_ready())

    def attempt(self, delta: Delta) -> tuple[Delta, Outcome]:
        """Apply `delta` (its net part, returned so `revert` can undo it) and its outcome."""
        with self._lock:
            live = self.wait_ready()
            done = net(delta, live.data.base)
            outcome = live.apply(done)
            self._kept.note(outcome.opened, outcome.closed)
            self._expected += len(done.added) - len(done.removed)
            self._version += 1
        if len(done.added) + len(done.removed) > LARGE_WRITE:
            heap.release()
        return done, outcome

    @contextmanager
    def tried(self, delta: Delta) -> Iterator[Outcome]:
        """Apply `delta` for the duration of the block and roll it back after, the state
        held still meanwhile: what a write would open and close, never noted as a write (no
        stamp, no kept findings touched). Read the data inside with `data` or `rows`."""
        live = self.wait_ready()
        with self._lock:
            done = net(delta, live.data.base)
            outcome = live.apply(done)
            self._version += 1
            try:
                yield outcome
            finally:
                live.apply(inverse(done))
                self._version += 1

    def rows(self, query: str, *, timeout_s: float = ROWS_TIMEOUT_S) -> list[Row]:
        """The rows of a SELECT over the validated graphs as the live state holds them (the
        default graph their union, as the store's queries read it); in memory, so only for
        the service's own bounded queries, stopped between rows past `timeout_s`."""
        with self._lock:
            answer = self.wait_ready().data.base.query(query, use_default_graph_as_union=True)
            assert isinstance(answer, ox.QuerySolutions)
            return own_rows(answer, Deadline(timeout_s))

    def revert(self, done: Delta) -> None:
        """Undo an `attempt` (its returned net delta)."""
        self.attempt(inverse(done))

    def commit(self, delta: Delta) -> Outcome:
        """Apply a write the store has made."""
        return self.attempt(delta)[1]

    def findings(self) -> list[Finding]:
        """The current findings, each once, in a stable order (cached until the next write);
        the kept ones while the engine warms up."""
        with self._lock:
            version, ordered = self._ordered
            if version != self._version:
                current = self._live.findings() if self._live is not None else self._records
                ordered = sorted(unique_findings(current), key=_order)
                self._ordered = (self._version, ordered)
            return ordered

    def kept_record(self, finding: Finding) -> Record:
        """The kept record of a finding `findings` gave while the engine warms up."""
        return self._records[finding]

    def data(self) -> PreparedData:
        """The prepared view of the current data (read it while holding `locked`)."""
        return PreparedData(self.wait_ready().data.view)

    def stale(self, store: Store) -> bool:
        """True when the store's validated graphs no longer hold the count of quads the live
        state expects: something wrote the store behind the service's back."""
        if not self._watch:
            return False
        return count_validated(store, analytics=self._pack.analytics) != self._expected

    def refresh(self, store: Store) -> bool:
        """Rebuild from the store when `stale` (once, logged); True when it rebuilt. Not
        while the engine warms up: the warm-up reads the store as it is."""
        if not self.ready:
            return False
        with self._lock:
            if not self.stale(store):
                return False
            self.rebuild(store, "the store changed behind the service's back")
            return True

    def rebuild(self, store: Store, reason: str) -> None:
        """Validate the store whole again and keep that as the live state (logged with
        `reason`): for a change found by a full revalidation (`service.findings.revalidate`)."""
        with self._lock:
            log.warning("live findings: %s; rebuilding", reason)
            live, quads = _validated(store, self._pack)
            self._live, self._expected = live, quads
            self._kept.replace(store, self._all_records(), quads)
            self._version += 1

    def _records_of(self, findings: list[Finding]) -> list[Record]:
        """Records of findings of the current data (ids and contexts read from it)."""
        report = Report.build(findings, self._pack, self.data(), scores=False)
        return [Record.of(result) for result in report.results]

    def _all_records(self) -> list[Record]:
        """Records of every finding the engine holds (also those `unique_findings` leaves
        out: a write may close the one it keeps and leave another)."""
        return self._records_of(list(set(self.wait_ready().findings())))


def _validated(
    store: Store,
    pack: ShapePack,
    *,
    doing: str = "validating it whole",
    known: Collection[Finding] | None = None,
) -> tuple[LiveValidation, int]:
    """The store's validated graphs, validated whole (or restored from `known`, as
    `LiveValidation` does), and their quad count (progress lines before and after, the
    first saying what it is `doing`)."""
    started = time.monotonic()
    log.info("live findings: reading the store and %s", doing)
    graphs = Snapshot.of_store(store, analytics=pack.analytics).graphs
    data = EntailedData.of_graphs([(graph_node(name), body) for name, body in graphs])
    live = LiveValidation(data, pack, known)
    heap.release()  # the rules' hash tables: half the process's memory at a million quads
    log.info(
        "live findings: %d findings over %d quads, ready in %.1f s",
        len(unique_findings(live.findings())),
        data.quads,
        time.monotonic() - started,
    )
    return live, data.quads


def _stale_reason(
    store: Store, stamp: Stamp | None, version: str, *, watch: bool, analytics: bool
) -> str | None:
    """Why the store's maintained state cannot be served; None when it can."""
    if stamp is None:
        return "no maintained state in the store (new, or a write did not finish)"
    if stamp.version != version:
        return "the maintained state was written by another version"
    if watch and count_validated(store, analytics=analytics) != stamp.quads:
        return "the store changed behind the service's back"
    return None


def at_least(findings: frozenset[Finding], level: Severity) -> list[Finding]:
    """The findings at `level` or more severe, in a stable order."""
    severe = SEVERITIES[: SEVERITIES.index(level) + 1]
    return sorted((f for f in findings if f.severity in severe), key=_order)


def change_of(outcome: Outcome) -> Change:
    """The counts of an outcome, each finding once (`unique_findings`)."""
    return Change(len(unique_findings(outcome.opened)), len(unique_findings(outcome.closed)))


def _order(finding: Finding) -> tuple[str, ...]:
    return tuple(str(x) for x in (*finding.key, finding.path, finding.shape, finding.message))
