"""Guard mode and the one way the service writes: every write goes through `Guard.apply`.

Each write brings its delta to the live findings (`service.findings`): a Graph Store load is
parsed into the quads it adds (and, replacing, the graph's current quads it removes), a
delete removes the graph's quads, and a SPARQL update's delta is read back from the graphs
it touched (`Update.touched`) once the store has applied it. `Guard.apply` returns how many
findings the write opened and closed.

A guarded write (`level`) is checked from its delta, not by validating the store: the delta
is applied to the live state first, and if that opens a finding at the guarded severity or
above the live state is rolled back and the write refused with `GuardRefusedError` (listing
those findings); the store is not touched. An update's delta is found before it is applied
by trying it on an in-memory copy of the validated graphs (`Update.trial_delta`) — the one
place to plug in a delta the store computes itself.

One `Guard` serves a store: every write of the service goes through it, guarded or not,
under one lock, so no write slips in between a check and its commit (no write skew: of two
guarded writes that are each clean but together add a finding, the second is checked on the
data the first committed). The lock is held for the check and the write only, so an
unguarded write waits at most for the check and write in front of it. Writes from outside
the service (another client of a remote endpoint) are not seen by this lock; the live state
finds them by the store's size (`LiveFindings.refresh`) and rebuilds.

A client's write never reaches a system graph (`service.store.system_graphs`): updates and
loads are refused by the store's own checks (`Store.check_update`, `Store.check_upload`),
deletes here, since the store deletes whatever graph the service asks it to (kept reports are
dropped by the service itself). A guarded load is refused before its trial too.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
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
from service.store.base import Store
from service.store.scan import check_operations
from service.store.syntax import query_syntax_error
from service.store.system_graphs import check_writable, update_targets
from service.validation.entailed import Delta
from service.validation.model import Severity


class Write(ABC):
    """A write to the store, with the delta it brings to the live findings."""

    @abstractmethod
    def apply(self, store: Store) -> None:
        """Make the write on the store (all or nothing, as the store does it)."""

    @abstractmethod
    def delta(self, store: Store, live: LiveFindings) -> Delta | None:
        """The quads the write removes and adds, known before it is applied; None when only
        the store can tell (`trial_delta` before, `touched` after)."""

    def trial_delta(self, store: Store, live: LiveFindings) -> Delta:
        """The delta of a write whose `delta` is None, found without touching the store."""
        raise NotImplementedError

    def touched(self, store: Store) -> list[str | None] | None:
        """The validated graphs to read back after `apply` when `delta` was None."""
        return None

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


@dataclass(frozen=True)
class Load(Write):
    """Add RDF to a graph, or replace the graph with it (Graph Store PUT and POST)."""

    data: bytes
    media_type: str
    graph: str | None
    replace: bool = False
    source: str = "request body"

    def creates(self, store: Store) -> bool:
        return self.graph is not None and self.graph not in store.graphs()

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


@dataclass(frozen=True)
class Delete(Write):
    """Drop a named graph or empty the default graph (Graph Store DELETE)."""

    graph: str | None

    def refuse_early(self, store: Store) -> None:
        check_writable([self.graph])
        if self.graph is not None and self.graph not in store.graphs():
            raise NotFoundError(f"no graph {self.graph}")

    def apply(self, store: Store) -> None:
        check_writable([self.graph])
        store.delete_graph(self.graph)

    def delta(self, store: Store, live: LiveFindings) -> Delta:
        return Delta.of(removed=live.graph_quads(self.graph))


@dataclass(frozen=True)
class Update(Write):
    """A SPARQL 1.1 Update. Its delta is read back from the graphs it may write."""

    text: str
    base_iri: str | None = None

    def apply(self, store: Store) -> None:
        store.update(self.text, base_iri=self.base_iri)

    def refuse_early(self, store: Store) -> None:
        """Also tries the update on the store first (`Store.try_update`): the trial on the
        copy runs in this process, and only an update that finished within the update
        budget there reaches it."""
        store.check_update(self.text, base_iri=self.base_iri)
        store.try_update(self.text, base_iri=self.base_iri)

    def delta(self, store: Store, live: LiveFindings) -> None:
        """Unknown before the store applies the update (the seam for a store that computes
        an update's delta itself)."""
        return None

    def touched(self, store: Store) -> list[str | None]:
        """The default graph and the named graphs the update may write (`update_targets`);
        every validated graph when it may reach graphs it does not name."""
        targets = update_targets(self.text, self.base_iri)
        if targets.all_named or targets.variable or targets.variable_delete:
            return [None, *validated_graphs(store.graphs())]
        return [None, *validated_graphs(sorted(targets.graphs))]

    def trial_delta(self, store: Store, live: LiveFindings) -> Delta:
        """The update tried on an in-memory copy of the validated graphs (LOAD and SERVICE
        refused outright: the copy never fetches), compared with them graph by graph."""
        check_operations(self.text, allowed_hosts="")
        copy = live.copy_of_data()
        for name in validated_graphs(store.graphs()):
            copy.add_graph(ox.NamedNode(name))  # empty graphs exist too (DROP, CLEAR)
        try:
            copy.update(self.text, base_iri=self.base_iri)
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
                self.live.refresh(store)
                created, change = self._guarded(store, write, level)
            else:
                created, change = self._unguarded(store, write)
            return Applied(created, change + self._read_back(store, write))

    def _guarded(self, store: Store, write: Write, level: Severity) -> tuple[bool, Change]:
        live = self.live
        with live.locked():
            delta = write.delta(store, live)
            done, outcome = live.attempt(delta or write.trial_delta(store, live))
            refused = at_least(outcome.opened, level)
            if refused:
                results = refused_results(live, refused)
                live.revert(done)
                raise GuardRefusedError(
                    f"the write would add {len(results)} finding(s) at {level} severity or "
                    "above; nothing was written",
                    findings=results,
                )
            try:
                created = write.creates(store)
                write.apply(store)
            except BaseException:
                live.revert(done)
                raise
            return created, change_of(outcome)

    def _unguarded(self, store: Store, write: Write) -> tuple[bool, Change]:
        delta = write.delta(store, self.live)
        created = write.creates(store)
        write.apply(store)
        return created, change_of(self.live.commit(delta)) if delta is not None else Change()

    def _read_back(self, store: Store, write: Write) -> Change:
        """For a write whose delta only the store knew: the touched graphs read back and
        compared with the live state (after a guarded trial, what is left is blank-node
        labels the store chose)."""
        graphs = write.touched(store)
        if graphs is None:
            return Change()
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
