"""Validations in worker processes: stopped at their budget, the store read in place.

In a thread, a validation past `TRISKEL_VALIDATION_TIMEOUT_S` was abandoned by its caller
(503) but kept computing: pySHACL on a large store or an expensive posted shape held a core
for minutes, and nothing could stop it. Here every validation is a task (`Check`) for a pool
of worker processes of its own (`service.store.WorkerPool`, `TRISKEL_VALIDATION_WORKERS` of
them, each under `TRISKEL_VALIDATION_MEMORY_MB`): at the budget the worker is killed, its CPU
free at once, and a new one takes its place at the next need.

What the worker reads:

* the embedded store: a read-only view of its current state (`Store.run_in_worker`), opened
  in place and dumped there graph by graph, once, for both the prepared data and the
  fingerprint (no export through the store in the parent, and one consistent state even
  while others write: a graph deleted meanwhile is still there for this validation). The
  worker keeps what it read while the view stays the store's current one (`ViewData`, kept
  by `Views.derived`): validating an unchanged store again — against other shapes, another
  severity — reads nothing, where reading a million quads out of RocksDB and parsing them
  took longer than the rules;
* a posted payload: its bytes, sent over.

A validation of the embedded store with the live findings' own rules (the built-in ones,
the whole store, the `fast` engine, no other shapes) reads nothing at all: the service holds
those findings current after every write, over a prepared copy of the data with its
entailments (`service.findings.state`; tests/test_live_differential.py proves them equal to
a full validation on random writes), so the report is built from them and that copy, and the
fingerprint from its quads (`_from_live`); a million-triple store answers in seconds, where
a worker read, parsed and prepared the store and ran every rule again.

The remote store is not read at all: its validation runs on its engine
(`service.validation.pushdown`), here in the caller's thread, which only waits for the
engine and reads bounded pages of answers; shapes the compiler cannot handle and the
`pyshacl` engine are refused there, as they would need the whole dataset in memory.

The worker sends back the report and, for a validation of the store against its own shapes,
the history entry it would be kept under; whether it is kept is decided here, with the store
(see `Validations.run`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import TYPE_CHECKING

import pyoxigraph as ox

from service import heap
from service.errors import InputError, LimitExceededError
from service.rdf.formats import NTRIPLES
from service.reports.canonical import canonical_hash
from service.reports.history import (
    Entry,
    Retention,
    already_kept,
    new_entry,
    record,
    shapes_version,
)
from service.reports.model import Report
from service.reports.snapshot import Snapshot, validated_graphs_of
from service.settings import Settings
from service.store import Store, Views, Wording, WorkerPool
from service.store.remote import RemoteStore
from service.validation import (
    EngineName,
    PreparedData,
    ShapePack,
    from_sources,
    pushdown,
    unique_findings,
    validate,
)
from service.validation.live import LiveValidation
from service.validation.model import Severity
from service.validation.rdfio import Source

if TYPE_CHECKING:
    from service.findings.state import LiveFindings

WORDING = Wording("validation", "TRISKEL_VALIDATION_TIMEOUT_S", "TRISKEL_VALIDATION_MEMORY_MB")


@dataclass(frozen=True)
class Options:
    """What a validation asks for besides its data: a scope (one named graph), shapes graphs
    of the store, the built-in rules or not, the least failing severity, the engine, and
    whether the rules over analytics are on (`TRISKEL_ANALYTICS_RULES`: with the built-in
    rules, they add R21-R24 and a validation of the store reads the analytics graph)."""

    graph: str | None = None
    shapes_graphs: tuple[str, ...] = ()
    builtin: bool = True
    fail_on: Severity = "violation"
    engine: EngineName = "fast"
    analytics: bool = False

    def pack(self, shapes: list[Source]) -> ShapePack:
        """The shapes these options name, with `shapes` given by the caller or read."""
        return from_sources(shapes, builtin=self.builtin, analytics=self.analytics)


@dataclass(frozen=True)
class Posted:
    """The RDF a caller sends: a data payload (or None: the store) and shapes files."""

    data: Source | None = None
    shapes: list[Source] = field(default_factory=list)


@dataclass(frozen=True)
class Keeping:
    """How the history takes a report: its bounds, and whether the caller may write (a
    writer's validations of the store are always kept, a reader's only when no kept report
    has the same fingerprint, shapes, engine and scope)."""

    retention: Retention
    max_results: int
    writer: bool

    @classmethod
    def of(cls, settings: Settings, *, writer: bool) -> Keeping:
        """The history's bounds from the settings, for a caller with or without writes."""
        retention = Retention.of(settings.max_reports, settings.history_keep)
        return cls(retention, settings.max_report_results, writer)


@dataclass(frozen=True)
class Check:
    """One validation, as a task for a validation worker (picklable: options and bytes).

    Its data is a view of the embedded store (`view`), the store's graphs exported
    (`snapshot`, the remote store) or a posted payload (`data`). `stored_shapes` are shapes
    graphs already read (when there is no view to read them from)."""

    options: Options
    posted_shapes: tuple[Source, ...]
    max_results: int
    timeout_s: float = 0.0
    view: str = ""
    snapshot: Snapshot | None = None
    data: Source | None = None
    stored_shapes: tuple[Source, ...] = ()

    def run(self, views: Views) -> tuple[Report, Entry | None]:
        """The report, and the entry it would be kept under (None: never kept, for a posted
        payload or posted shapes)."""
        db = views.open(self.view) if self.view else None
        pack = self.options.pack(
            [*self.posted_shapes, *self.stored_shapes, *_shapes_graphs(db, self.options)]
        )
        prepared, fingerprint = self._prepared(views)
        report = validate(
            prepared, shapes=pack, engine=self.options.engine, fail_on=self.options.fail_on
        )
        if fingerprint is None:
            return report, None
        return report, self.entry(report, fingerprint(), pack)

    def _prepared(self, views: Views) -> tuple[PreparedData, Callable[[], str] | None]:
        """The data to validate and, when the report may be kept, how to fingerprint it
        (read from the view once per view and scope, `ViewData`)."""
        if self.data is not None:
            return PreparedData.from_sources([self.data]), None
        keepable = not self.posted_shapes
        if self.snapshot is not None:
            prepared = PreparedData.from_sources([self.snapshot.source()])
            return prepared, (self.snapshot.fingerprint if keepable else None)
        if not self.view:
            raise InputError("a validation needs data: a view, a snapshot or a payload")
        scope, analytics = self.options.graph, self.options.analytics
        read = views.derived(
            self.view,
            (ViewData, scope, analytics),
            partial(ViewData.read, scope=scope, analytics=analytics),
        )
        return PreparedData(read.store), (read.fingerprint if keepable else None)

    def entry(self, report: Report, fingerprint: str, pack: ShapePack) -> Entry:
        """The history entry of this validation's `report` of data with `fingerprint`."""
        return new_entry(
            report,
            fingerprint=fingerprint,
            shapes=shapes_version(pack),
            engine=self.options.engine,
            scope=self.options.graph,
            max_results=self.max_results,
        )


class ViewData:
    """The validated graphs of one view (one scope of it), as a validation needs them: the
    prepared store, shared read-only by every validation of that view (each wraps it in a
    `PreparedData` of its own, so an rdflib copy pySHACL asks for dies with its run), and
    the fingerprint, computed at the first validation that may be kept.

    The view is dumped once, graph by graph (`Snapshot.of_memory`), and both the prepared
    data and the fingerprint read those bytes: a Python loop over the view's quads decoded
    every term twice, and was slower than the export it replaced."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot: Snapshot | None = snapshot
        self.store = PreparedData.from_sources([snapshot.source()]).store

    @classmethod
    def read(cls, db: ox.Store, *, scope: str | None, analytics: bool = False) -> ViewData:
        """The graphs `scope` names (None: every validated graph, and the analytics graph
        when `analytics`) of the view `db`."""
        return cls(Snapshot.of_memory(db, scope, analytics=analytics))

    @cached_property
    def _fingerprint(self) -> str:
        assert self._snapshot is not None
        found = self._snapshot.fingerprint()
        self._snapshot = None  # the bytes were only kept for this
        return found

    def fingerprint(self) -> str:
        """The snapshot's fingerprint (`Snapshot.fingerprint`), computed once."""
        return self._fingerprint


def _shapes_graphs(db: ox.Store | None, options: Options) -> list[Source]:
    """The shapes graphs the options name, read from the view (none without one: the caller
    read them into `Check.stored_shapes`)."""
    if db is None:
        return []
    return [
        Source(f"<{iri}>", _dump(db, iri), "nt")
        for iri in options.shapes_graphs
        for _ in validated_graphs_of(db, iri)  # NotFoundError for an absent graph
    ]


def _dump(db: ox.Store, iri: str) -> bytes:
    return db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri)) or b""


def _stored_shapes(store: Store, options: Options) -> tuple[Source, ...]:
    """The shapes graphs the options name, read from the live store."""
    return tuple(
        Source(f"<{iri}>", store.export(iri, media_type=NTRIPLES), "nt")
        for iri in options.shapes_graphs
    )


def _left(until: float) -> float:
    """Seconds left before `until` (a `time.monotonic()` instant); none left is a 503."""
    left = until - time.monotonic()
    if left <= 0:
        raise LimitExceededError("the validation ran past its budget; its report is not kept")
    return left


class Validations:
    """A service's validation workers, and the one way to run a validation (`run`)."""

    def __init__(
        self, *, workers: int = 2, memory_limit_mb: int = 4096, page_rows: int = 10_000
    ) -> None:
        self.page_rows = page_rows
        self.fingerprinted = Fingerprinted()
        self.pool = WorkerPool(
            size=workers, memory_limit_mb=memory_limit_mb, wording=WORDING, preload=[__name__]
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Validations:
        """`TRISKEL_VALIDATION_WORKERS` workers under `TRISKEL_VALIDATION_MEMORY_MB` each."""
        return cls(
            workers=settings.validation_workers,
            memory_limit_mb=settings.validation_memory_mb,
            page_rows=settings.remote_page_rows,
        )

    def run(
        self,
        store: Store,
        posted: Posted,
        options: Options,
        keeping: Keeping,
        *,
        until: float,
        live: LiveFindings | None = None,
    ) -> tuple[Report, Entry | None]:
        """Validate what the caller names in a worker, stopped at `until` (a
        `time.monotonic()` instant: `LimitExceededError`), or from the store's `live`
        findings when they answer it (`_from_live`); keep the report when `keeping`
        allows, and only within the budget (the caller has been told 503 past it, so a
        report kept later would be one nobody asked for)."""
        check = Check(options, tuple(posted.shapes), keeping.max_results)
        if posted.data is not None:
            if options.graph is not None:
                raise InputError("validate either a posted payload or graph=, not both")
            shapes = _stored_shapes(store, options)
            payload = replace(check, data=posted.data, stored_shapes=shapes)
            report, _ = self.pool.run(replace(payload, timeout_s=_left(until)))
            return report, None
        known = (
            None
            if live is None or isinstance(store, RemoteStore)
            else _from_live(live, check, self.fingerprinted)
        )
        if isinstance(store, RemoteStore):
            report, entry = pushed_down(store, check, page_rows=self.page_rows, until=until)
        elif known is not None:
            report, entry = known
        else:
            report, entry = store.run_in_worker(self.pool, partial(_on, store, check, until))
        if entry is None:
            return report, None
        if not keeping.writer and already_kept(store, entry):
            return report, None
        _left(until)
        record(store, report, entry, retention=keeping.retention)
        return report, entry

    def close(self) -> None:
        """Stop the workers (one still computing is killed)."""
        self.pool.close()


@dataclass
class Fingerprinted:
    """The fingerprint of the live data last made, with the generation of the data it was
    made from (`EntailedData.generation`): a validation of unchanged data (an hourly one)
    neither dumps nor sorts the data again, 7 s at 2.4M quads."""

    last: tuple[int, str] = (-1, "")

    def known(self, generation: int) -> str | None:
        """The fingerprint of the data of `generation`, when it was the last made."""
        made, fingerprint = self.last
        return fingerprint if made == generation else None


def _from_live(
    live: LiveFindings, check: Check, fingerprinted: Fingerprinted
) -> tuple[Report, Entry] | None:
    """The report of the embedded store built from its live findings and their prepared
    data, and its entry; None when they do not answer `check`: another scope, engine or
    shapes than theirs, or their engine not warm yet (the worker then validates).

    A remote store never takes this road: it may be written behind the service's back, and
    its validation on its engine is what finds that out (`service.findings.revalidate`).
    Findings, context and quads are read from one state of the live findings without
    holding writes back (`LiveFindings.read_still`); the fingerprint is the canonical hash
    of the same quads a view of the store would give, blank-node labels aside."""
    options = check.options
    others = check.posted_shapes or options.shapes_graphs or not options.builtin
    if others or options.graph is not None or options.engine != "fast" or not live.ready:
        return None
    pack = live.pack
    if shapes_version(options.pack([])) != shapes_version(pack):
        return None

    def read(engine: LiveValidation) -> tuple[Report, int, str | bytes]:
        found = unique_findings(engine.findings())
        data = PreparedData(engine.data.view)
        report = Report.build(found, pack, data, fail_on=options.fail_on)
        generation = engine.data.generation
        known = fingerprinted.known(generation)
        return report, generation, known if known is not None else engine.data.user_nquads()

    report, generation, made = live.read_still(read)
    if isinstance(made, bytes):
        fingerprint = canonical_hash(made)
        fingerprinted.last = (generation, fingerprint)
        del made
        heap.release()  # the dump and its sorted lines: 500 MB at a million quads
    else:
        fingerprint = made
    return report, check.entry(report, fingerprint, pack)


def _on(store: Store, check: Check, until: float, view: str | None) -> Check:
    """`check` on the store's view, or without one on its graphs exported here."""
    if view is not None:
        return replace(check, view=view, timeout_s=_left(until))
    options = check.options
    snapshot = Snapshot.of_store(store, options.graph, analytics=options.analytics)
    shapes = _stored_shapes(store, options)
    return replace(check, snapshot=snapshot, stored_shapes=shapes, timeout_s=_left(until))


def pushed_down(
    store: RemoteStore, check: Check, *, page_rows: int, until: float | None = None
) -> tuple[Report, Entry | None]:
    """`check` run on the remote store's engine (`service.validation.pushdown`), stopped
    at `until` between two requests; the entry it would be kept under (None with posted
    shapes). `InputError` for the `pyshacl` engine, `ShapesError` for shapes that do not
    compile: both would need the whole dataset here."""
    options = check.options
    if options.engine != "fast":
        raise InputError(
            f"the {options.engine} engine reads the whole dataset into memory: a remote store "
            "is validated on its engine, with engine=fast"
        )
    pack = options.pack([*check.posted_shapes, *_stored_shapes(store, options)])
    budget = (lambda: None) if until is None else partial(_left, until)
    run = pushdown.run(
        store, pack, scope=options.graph, page_rows=page_rows, check=budget, fail_on=options.fail_on
    )
    report = run.report
    assert report is not None  # asked for with `fail_on`
    if check.posted_shapes:
        return report, None
    return report, check.entry(report, run.fingerprint, pack)
