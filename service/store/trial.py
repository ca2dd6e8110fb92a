"""The trial of an update in a worker process: its delta, computed before the store applies it.

An update that evaluates a pattern has no bound on its cost, and pyoxigraph cannot stop one.
So the store (`EmbeddedStore.update_with_delta`) computes such an update's delta
(`service.store.delta`) in a worker process of a pool of its own (`service.store.workers`),
killed at `TRISKEL_UPDATE_TIMEOUT_S` or at the memory ceiling: each `WHERE` is a `SELECT` on
the pool's read-only view of the current state, kept open between trials. When an operation
reads what an earlier one of the same request may have written, or the request `LOAD`s
(the engine fetches), the trial runs on a writable checkpoint of its own instead, where each
operation's delta is written before the next one is evaluated; the store deletes that
checkpoint afterwards.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store as OxStore

from service.errors import DiskFullError, StoreError
from service.store.delta import QuadDelta, State, apply_operations
from service.store.disk import disk_full
from service.store.operations import operations
from service.store.workers import Views, Wording

UPDATES = Wording("update", "TRISKEL_UPDATE_TIMEOUT_S", "TRISKEL_QUERY_MEMORY_MB")


@dataclass(frozen=True)
class DeltaTrial:
    """The delta of `update` on the state at `view`: a read-only view, or with `writable`
    a writable checkpoint (a task: see `service.store.workers.Task`)."""

    view: str
    update: str
    timeout_s: float
    max_quads: int
    base_iri: str | None = None
    writable: bool = False

    def run(self, views: Views) -> QuadDelta:
        """Evaluate every operation in order; raise what applying the update would raise."""
        found = operations(self.update, self.base_iri)
        if not self.writable:
            state = State(views.open(self.view), max_quads=self.max_quads)
            return apply_operations(state, found)
        try:
            db = OxStore(self.view)
            try:
                return apply_operations(State(db, writable=True, max_quads=self.max_quads), found)
            finally:
                del db
                gc.collect()  # closed before the store deletes the checkpoint
        except OSError as exc:
            kind = DiskFullError if disk_full(exc) else StoreError
            reason = str(exc).replace(str(Path(self.view).parent), "…")
            raise kind(f"the update could not be tried and changed nothing: {reason}") from None
