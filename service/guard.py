"""Guard mode: apply a write only if it introduces no new finding at a chosen severity.

A guarded write is first tried on a private in-memory copy of what a validation of the store
reads (`service.reports.snapshot`); the data before and the would-be data after are
validated with the built-in rules and compared by stable finding id
(`service.reports.diff`). A new finding at the guarded severity or above refuses the write
with `GuardRefusedError` (listing those findings), and the store is not touched; otherwise
the write is applied to the store exactly as an unguarded one would be.

One `Guard` serves a store: every write of the service goes through `Guard.apply`, guarded
or not, under one lock, so no write slips in between a check and its apply. The store's
own write lock still serialises the write itself; the guard's lock only widens the
exclusive section to cover the check. Writes from outside the service (another client of a
remote endpoint) are not seen by this lock.

A client's write never reaches a system graph (`service.store.system_graphs`): updates and
loads are refused by the store's own checks (`Store.check_update`, `Store.check_upload`),
deletes here, since the store deletes whatever graph the service asks it to (kept reports are
dropped by the service itself). A guarded load is refused before its trial too.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import pyoxigraph as ox

from service.errors import (
    GuardRefusedError,
    LimitExceededError,
    NotFoundError,
    OperationFailedError,
)
from service.rdf.formats import rdf_format_for
from service.rdf.reader import base_iri_of, graph_node, syntax_error
from service.reports import to_dict
from service.reports.diff import Diff
from service.reports.snapshot import Snapshot
from service.store.base import Store
from service.store.scan import check_operations
from service.store.syntax import query_syntax_error
from service.store.system_graphs import check_writable
from service.validation import validate
from service.validation.model import Severity


class Write(ABC):
    """A write to the store that can also be tried on an in-memory copy first."""

    @abstractmethod
    def apply(self, store: Store) -> None:
        """Make the write on the store (all or nothing, as the store does it)."""

    @abstractmethod
    def try_on(self, copy: ox.Store) -> None:
        """Make the same write on an in-memory pyoxigraph store; never fetches anything."""

    def creates(self, store: Store) -> bool:
        """True when applying the write now would create the graph it names (Graph Store
        201); asked under the guard's lock, so two racing writes cannot both be first."""
        return False

    def refuse_early(self, store: Store) -> None:
        """Raise the error the store itself would raise for this write, before any trial, so
        that a guarded write fails as the unguarded one would (400 or 403, not a 409 from the
        copy): loads and deletes name their graph (a system graph is refused), updates their
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

    def try_on(self, copy: ox.Store) -> None:
        """The data passed the store's own checks in `refuse_early` (each `Write` is tried
        only after that)."""
        fmt = rdf_format_for(self.media_type)
        node = graph_node(self.graph)
        if self.replace:
            _clear(copy, node)
        try:
            copy.load(self.data, fmt.oxigraph, base_iri=base_iri_of(self.graph), to_graph=node)
        except SyntaxError as exc:
            raise syntax_error(exc, self.source) from None


@dataclass(frozen=True)
class Delete(Write):
    """Drop a named graph or empty the default graph (Graph Store DELETE)."""

    graph: str | None

    def refuse_early(self, store: Store) -> None:
        check_writable([self.graph])

    def apply(self, store: Store) -> None:
        check_writable([self.graph])
        store.delete_graph(self.graph)

    def try_on(self, copy: ox.Store) -> None:
        check_writable([self.graph])
        node = graph_node(self.graph)
        if isinstance(node, ox.NamedNode) and not copy.contains_named_graph(node):
            raise NotFoundError(f"no graph {self.graph}")
        _clear(copy, node)


@dataclass(frozen=True)
class Update(Write):
    """A SPARQL 1.1 Update. On the copy, `LOAD` and `SERVICE` are refused outright."""

    text: str
    base_iri: str | None = None

    def apply(self, store: Store) -> None:
        store.update(self.text, base_iri=self.base_iri)

    def refuse_early(self, store: Store) -> None:
        """Also tries the update on the store first (`Store.try_update`): the trial on the
        copy runs in this process, and only an update that finished within the update
        budget there reaches it (the copy holds a part of the same graphs)."""
        store.check_update(self.text, base_iri=self.base_iri)
        store.try_update(self.text, base_iri=self.base_iri)

    def try_on(self, copy: ox.Store) -> None:
        check_operations(self.text, allowed_hosts="")  # the copy never fetches, allowed host or not
        try:
            copy.update(self.text, base_iri=self.base_iri)
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        except RuntimeError as exc:  # the copy holds the same graphs: it fails as the store would
            raise OperationFailedError(f"the update failed and changed nothing: {exc}") from None


def _clear(copy: ox.Store, node: ox.NamedNode | ox.DefaultGraph) -> None:
    if isinstance(node, ox.DefaultGraph):
        copy.clear_graph(node)
    else:
        copy.remove_graph(node)


class Guard:
    """Serialises the service's writes; a guarded write is checked and applied as one step."""

    def __init__(self, *, budget_s: float) -> None:
        self.budget_s = budget_s
        self._lock = threading.Lock()

    def apply(self, store: Store, write: Write, *, level: Severity | None = None) -> bool:
        """Apply `write`; with a `level`, only if it adds no finding at `level` or above.
        Returns whether the write created the graph it names (`Write.creates`, decided in the
        same exclusive section as the write: of two racing PUTs to a new graph, one creates).

        Raises `GuardRefusedError` (nothing written) listing the new findings, or
        `LimitExceededError` (nothing written) when the check ran past the validation budget.
        """
        with self._lock:
            if level is not None:
                self._check(store, write, level, time.monotonic() + self.budget_s)
            created = write.creates(store)
            write.apply(store)
            return created

    def _check(self, store: Store, write: Write, level: Severity, deadline: float) -> None:
        write.refuse_early(store)
        before = Snapshot.of_store(store)
        copy = before.copy()
        write.try_on(copy)
        after = Snapshot.of_memory(copy)
        diff = Diff.between(_results(after), _results(before))
        if time.monotonic() > deadline:
            raise LimitExceededError(
                f"the guard's check ran longer than {self.budget_s:g} s "
                "(TRISKEL_VALIDATION_TIMEOUT_S); nothing was written"
            )
        refused = diff.new_at_least(level)
        if refused:
            raise GuardRefusedError(
                f"the write would add {len(refused)} finding(s) at {level} severity or above; "
                "nothing was written",
                findings=[dict(r) for r in refused],
            )


def _results(snapshot: Snapshot) -> list[dict[str, object]]:
    """The JSON results of validating a snapshot with the built-in rules."""
    results: list[dict[str, object]] = to_dict(validate(snapshot.source()))["results"]
    return results
