"""The trial of an update in a worker process, before the store applies it.

An update that evaluates a pattern has no bound on its cost, and pyoxigraph cannot stop one.
The store (`EmbeddedStore.try_update`) makes a writable checkpoint of its current state for
the update alone and hands this task to a pool of its own (`service.store.workers`); the
worker applies the update there and is killed at `TRISKEL_UPDATE_TIMEOUT_S`, or dies at the
memory ceiling, and the store deletes the checkpoint either way.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store as OxStore

from service.errors import DiskFullError, OperationFailedError, StoreError
from service.store.disk import disk_full
from service.store.syntax import query_syntax_error
from service.store.workers import Views, Wording

UPDATES = Wording("update", "TRISKEL_UPDATE_TIMEOUT_S", "TRISKEL_QUERY_MEMORY_MB")


@dataclass(frozen=True)
class UpdateTrial:
    """Apply `update` to the writable checkpoint `view`, raising what applying it to the
    store would raise (a task: see `service.store.workers.Task`)."""

    view: str
    update: str
    timeout_s: float
    base_iri: str | None = None

    def run(self, views: Views) -> None:
        """The checkpoint is opened here, not from `views` (those are read-only and kept)."""
        try:
            _apply(self.view, self.update, self.base_iri)
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        except RuntimeError as exc:
            raise OperationFailedError(f"the update failed and changed nothing: {exc}") from None
        except OSError as exc:
            kind = DiskFullError if disk_full(exc) else StoreError
            reason = str(exc).replace(str(Path(self.view).parent), "…")
            raise kind(f"the update could not be tried and changed nothing: {reason}") from None


def _apply(view: str, update: str, base_iri: str | None) -> None:
    db = OxStore(view)
    try:
        db.update(update, base_iri=base_iri)
    finally:
        del db
        gc.collect()  # closed before the store deletes the checkpoint
