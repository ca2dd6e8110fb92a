"""Guard mode and the one way the service writes: every write goes through `Guard.apply`.

Each write brings its delta to the live findings (`service.findings`). Writes are of two
kinds. A `KnownWrite` knows its delta from its body and the live state before it touches
the store: a Graph Store load is parsed into the quads it adds (and, replacing, the graph's
current quads it removes), a delete removes the graph's quads. A SPARQL `Update`'s delta is
computed by the store itself when it can (`Store.update_with_delta`: the embedded store
computes it before writing, under its write lock); on a store that cannot tell (a remote
endpoint), the update is tried on an in-memory copy of the validated graphs when guarded,
and the graphs it touched are read back once the store has applied it. `Guard.apply`
returns how many findings the write opened and closed.

A guarded write (`level`) is checked from its delta, not by validating the store: the delta
is applied to the live state first (`_Check`), and if that opens a finding at the guarded
severity or above the live state is rolled back and the write refused with
`GuardRefusedError` (listing those findings); the store is not touched. A rule marked
`sbsh:refusesGuardedWrites false` (R24: the network analytics no longer describe the
network) never refuses: its finding says the write made a derived result out of date, which
only a recomputation after the write can fix, so refusing would forbid every guarded change
of the network; it opens like any other finding and stays open until the next analysis.
The check runs where the delta becomes known, before anything is written: for an embedded
update, inside the store's write, so the delta checked is the one written.

One `Guard` serves a store: every write of the service goes through it, guarded or not,
under one lock, so no write slips in between a check and its commit (no write skew: of two
guarded writes that are each clean but together add a finding, the second is checked on the
data the first committed). The lock is held for the check and the write only, so an
unguarded write waits at most for the check and write in front of it. Writes from outside
the service (another client of a remote endpoint) are not seen by this lock; the live state
finds them by the store's size at its reads (`LiveFindings.refresh`) and rebuilds. A write
does not count the store first: on a remote engine the count reads every quad (Oxigraph
server: 2.7 s at 1M triples, most of a guarded write's time), so a guarded write made after
a foreign one and before the next read is checked against the findings as they were, as
between two runs of `TRISKEL_REVALIDATE_EVERY`.

Each write runs inside `LiveFindings.writing`, which waits for the live engine's warm-up
after a restart, voids the stamp of the findings kept in the store before the write, and
writes the findings it opened and closed with a new stamp after (`service.findings.saved`):
a crash in between leaves no valid stamp, and the next start rebuilds.

A what-if (`service.whatif`) is a write tried and never made: `Guard.trying` takes the lock
as a write would, has the store compute the update's delta without writing it, and hands it
to `LiveFindings.tried`, which applies it to the live findings and rolls it back; nothing is
noted, kept or written.

A client's write never reaches a system graph (`service.store.system_graphs`): updates and
loads are refused by the store's own checks (`Store.check_update`, `Store.check_upload`),
deletes here, since the store deletes whatever graph the service asks it to (kept reports are
dropped by the service itself). A guarded load is refused before its trial too.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyoxigraph as ox

from service.errors import (
    GuardRefusedError,
    NotFoundError,
    OperationFailedError,
)
from service.findings import Change, LiveFindings, at_least, change_of, quads_of, refused_results
from service.rdf.formats import rdf_format_for
from service.rdf.reader import base_iri_of, graph_node, read_quads
from service.reports.snapshot import validated_graphs
from service.store import QuadDelta
from service.store.base import Store
from service.store.scan import check_operations, silence_refused_services
from service.store.syntax import query_syntax_error
from service.store.system_graphs import check_writable, is_system_graph, update_targets
from service.validation.entailed import Delta
from service.validation.model import Severity

Check = Callable[[Delta], None]
"""Called with a write's delta before anything is written; a raise writes nothing."""


class Write(ABC):
    """A write to the store, with the delta it brings to the live findings."""

    @abstractmethod
    def write(self, store: Store, live: LiveFindings, check: Check | None) -> Delta | None:
        """Make the write on the store (all or nothing, as the store does it) and return
        its delta on the validated graphs, after giving it to `check` (when given) before
        anything is written. None when the store applied it without saying what changed:
        the guard reads back `touched`."""

    def touched(self, store: Store) -> list[str | None]:
        """The validated graphs to read back when `write` returned None: all of them."""
        return [None, *validated_graphs(store.graphs())]

    def creates(self, store: Store) -> bool:
        """True when applying the write now would create the graph it names (Graph Store
        201); asked under the guard's lock, so two racing writes cannot both be first."""
        return False

    def refuse_early(self, store: Store) -> None:
        """Raise the error the store itself would raise for this write, before any check, so
        that a guarded write fails as the unguarded one would (400 or 403, not a 409):
        loads and deletes name their graph (a system graph is refused), updates their
        targets and dataset."""
        return


class KnownWrite(Write):
    """A write whose delta is known from its body and the live state, before the store is
    touched: computed, checked, then applied."""

    @abstractmethod
    def delta(self, store: Store, live: LiveFindings) -> Delta:
        """The quads the write removes and adds."""

    @abstractmethod
    def apply(self, store: Store) -> None:
        """Make the write on the store (all or nothing, as the store does it)."""

    def write(self, store: Store, live: LiveFindings, check: Check | None) -> Delta:
        delta = self.delta(store, live)
        if check is not None:
            check(delta)
        self.apply(store)
        return delta


@dataclass(frozen=True)
class Load(KnownWrite):
    """Add RDF to a graph, or replace the graph with it (Graph Store PUT and POST)."""

    data: bytes
    media_type: str
    graph: str | None
    replace: bool = False
    source: str = "request body"

    def creates(self, store: Store) -> bool:
        return self.graph is not None and not store.has_graph(self.graph)

    def refuse_early(self, store: Store) -> None:
        fmt = rdf_format_for(self.media_type)
        store.check_upload(self.data, fmt, graph=self.graph, source=self.source, keep_graphs=False)

    def apply(self, store: Store) -> None:
        store.load(
            self.data,
            media_type=self.media_type,
            graph=self.graph,
            replace=self.replace,
            source=self.source,
        )

    def delta(self, store: Store, live: LiveFindings) -> Delta:
        """The body's quads in the target graph (blank nodes renamed, as the store renames
        them); replacing, the graph's current quads too. A system graph is refused first,
        and a body that does not read raises the reader's error, before anything is written
        (a dataset naming other graphs is refused by the store's own load)."""
        check_writable([self.graph])
        node = graph_node(self.graph)
        fmt = rdf_format_for(self.media_type)
        parsed = read_quads(
            self.data,
            fmt,
            source=self.source,
            base_iri=base_iri_of(self.graph),
            rename_blank_nodes=True,
            max_nesting=store.max_rdf_nesting,
        )
        added = [ox.Quad(q.subject, q.predicate, q.object, node) for q in parsed]
        removed = live.graph_quads(self.graph) if self.replace else []
        return Delta.of(added=added, removed=removed)


@dataclass
class Recomputed(Write):
    """A system graph the service recomputes (`recompute` writes it) and the live findings
    read: the network analytics, with the rules over analytics on. Never guarded (a refusal
    would leave a caller without the numbers the data gives); its delta is read back."""

    graph: str
    recompute: Callable[[], object]
    result: object = None

    def write(self, store: Store, live: LiveFindings, check: Check | None) -> None:
        self.result = self.recompute()

    def touched(self, store: Store) -> list[str | None]:
        return [self.graph]


@dataclass(frozen=True)
class Delete(KnownWrite):
    """Drop a named graph or empty the default graph (Graph Store DELETE)."""

    graph: str | None

    def refuse_early(self, store: Store) -> None:
        check_writable([self.graph])
        if self.graph is not None and not store.has_graph(self.graph):
            raise NotFoundError(f"no graph {self.graph}")

    def apply(self, store: Store) -> None:
        check_writable([self.graph])
        store.delete_graph(self.graph)

    def delta(self, store: Store, live: LiveFindings) -> Delta:
        return Delta.of(removed=live.graph_quads(self.graph))


@dataclass(frozen=True)
class Update(Write):
    """A SPARQL 1.1 Update: its delta comes from the store when the store computes it."""

    text: str
    base_iri: str | None = None

    def refuse_early(self, store: Store) -> None:
        store.check_update(self.text, base_iri=self.base_iri)

    def write(self, store: Store, live: LiveFindings, check: Check | None) -> Delta | None:
        """The store's own delta, checked inside its write; on a store that cannot tell,
        the delta of a trial on the live copy is checked first, and None returned (the
        touched graphs are read back)."""
        if store.computes_update_deltas:
            checked = None if check is None else _on_validated(check)
            done = store.update_with_delta(self.text, base_iri=self.base_iri, check=checked)
            return None if done is None else validated_part(done)
        if check is not None:
            check(self.trial_delta(live, store))
        store.update(self.text, base_iri=self.base_iri)
        return None

    def touched(self, store: Store) -> list[str | None]:
        """The default graph and the named graphs the update may write (`update_targets`);
        every validated graph when it may reach graphs it does not name."""
        targets = update_targets(self.text, self.base_iri)
        if targets.all_named or targets.variable or targets.variable_delete:
            return super().touched(store)
        return [None, *validated_graphs(sorted(targets.graphs))]

    def trial_delta(self, live: LiveFindings, store: Store) -> Delta:
        """The update tried on an in-memory copy of the validated graphs (LOAD and SERVICE
        refused outright: the copy never fetches; a `SERVICE SILENT` the policy refuses fails
        silently, as on the store), compared with them graph by graph."""
        text = silence_refused_services(self.text, allowed_hosts=store.allowed_hosts)
        check_operations(text, allowed_hosts="")
        copy = live.copy_of_data()
        for name in validated_graphs(store.graphs()):
            copy.add_graph(ox.NamedNode(name))  # empty graphs exist too (DROP, CLEAR)
        try:
            copy.update(text, base_iri=self.base_iri)
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        except RuntimeError as exc:  # the copy holds the same graphs: it fails as the store would
            raise OperationFailedError(f"the update failed and changed nothing: {exc}") from None
        added: list[ox.Quad] = []
        removed: list[ox.Quad] = []
        for touched in self.touched(store):
            after = set(copy.quads_for_pattern(None, None, None, graph_node(touched)))
            before = set(live.graph_quads(touched))
            added.extend(after - before)
            removed.extend(before - after)
        return Delta.of(added=added, removed=removed)


def validated_part(delta: QuadDelta) -> Delta:
    """The quads of a store's delta that are in validated graphs (not system graphs)."""
    return Delta.of(
        added=(q for q in delta.added if _validated(q)),
        removed=(q for q in delta.removed if _validated(q)),
    )


def _validated(quad: ox.Quad) -> bool:
    graph = quad.graph_name
    return isinstance(graph, ox.DefaultGraph) or not is_system_graph(graph.value)


def _on_validated(check: Check) -> Callable[[QuadDelta], None]:
    return lambda delta: check(validated_part(delta))


class _Check:
    """A guarded write's check: the delta applied to the live findings, refused when it
    opens a finding at `level` or above; `revert` rolls the live findings back when the
    write is refused or fails."""

    def __init__(self, live: LiveFindings, level: Severity) -> None:
        self.live = live
        self.level = level
        self.done: Delta | None = None
        self.change = Change()

    def __call__(self, delta: Delta) -> None:
        self.done, outcome = self.live.attempt(delta)
        pack = self.live.pack
        refused = [
            finding
            for finding in at_least(outcome.opened, self.level)
            if (info := pack.info(finding.rule)) is None or info.refuses_guarded_writes
        ]
        if refused:
            results = refused_results(self.live, refused)  # read before the rollback
            raise GuardRefusedError(
                f"the write would add {len(results)} finding(s) at {self.level} severity or "
                "above; nothing was written",
                findings=results,
            )
        self.change = change_of(outcome)

    def revert(self) -> None:
        if self.done is not None:
            self.live.revert(self.done)
            self.done = None


@dataclass(frozen=True)
class Applied:
    """What `Guard.apply` did: whether it created the graph it names, and the findings it
    opened and closed."""

    created: bool
    change: Change


class Guard:
    """Serialises the service's writes; a guarded write is checked and applied as one step."""

    def __init__(self, live: LiveFindings) -> None:
        self.live = live
        self._lock = threading.Lock()

    def apply(self, store: Store, write: Write, *, level: Severity | None = None) -> Applied:
        """Apply `write` and bring the live findings up to date; with a `level`, only if it
        opens no finding at `level` or above. Raises `GuardRefusedError` (nothing written,
        the live findings as they were) listing the findings it would open."""
        with self._lock:
            if level is not None:
                write.refuse_early(store)
            with self.live.writing(store):
                if level is not None:
                    created, change, delta = self._guarded(store, write, level)
                else:
                    created, change, delta = self._unguarded(store, write)
                if delta is None:
                    change += self._read_back(store, write)
                return Applied(created, change)

    @contextmanager
    def trying(self, store: Store, update: Update) -> Iterator[Delta]:
        """A what-if: `update`'s delta on the validated graphs, computed by the store
        without writing it (or tried on a copy of the live data where the store cannot
        tell), for the block to try on the live findings (`LiveFindings.tried`). Nothing is
        written to the store, its kept findings or its history.

        Writes wait while the block runs (as they wait for a guarded write's check), so the
        live findings stay those of the state the delta was computed on: keep it short."""
        with self._lock:
            self.live.refresh(store)
            self.live.wait_ready()
            stored = store.update_delta(update.text, base_iri=update.base_iri)
            yield update.trial_delta(self.live, store) if stored is None else validated_part(stored)

    def _guarded(
        self, store: Store, write: Write, level: Severity
    ) -> tuple[bool, Change, Delta | None]:
        live = self.live
        with live.locked():
            check = _Check(live, level)
            try:
                created = write.creates(store)
                delta = write.write(store, live, check)
            except BaseException:
                check.revert()
                raise
            return created, check.change, delta

    def _unguarded(self, store: Store, write: Write) -> tuple[bool, Change, Delta | None]:
        created = write.creates(store)
        delta = write.write(store, self.live, None)
        change = Change() if delta is None else change_of(self.live.commit(delta))
        return created, change, delta

    def _read_back(self, store: Store, write: Write) -> Change:
        """For a write whose delta only the store knew: the touched graphs read back and
        compared with the live state (after a guarded trial, what is left is blank-node
        labels the store chose)."""
        graphs = write.touched(store)
        live = self.live
        with live.locked():
            added: list[ox.Quad] = []
            removed: list[ox.Quad] = []
            now = quads_of(store, graphs)
            for graph in graphs:
                node = graph_node(graph)
                after = {q for q in now if q.graph_name == node}
                before = set(live.graph_quads(graph))
                added.extend(after - before)
                removed.extend(before - after)
            return change_of(live.commit(Delta.of(added=added, removed=removed)))
