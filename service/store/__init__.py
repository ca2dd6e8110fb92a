"""Storage: one `Store` interface, an embedded pyoxigraph store and a remote SPARQL store.

`open_store(settings)` picks the backend: the remote one when `TRISKEL_SPARQL_URL` is set,
otherwise the embedded store at `TRISKEL_STORE_PATH`. Work that must be killable runs as a
`Task` in a `WorkerPool` of child processes, on a read-only view of the store
(`Store.run_in_worker`).
"""

from __future__ import annotations

from service.settings import Settings
from service.store.base import QueryResult, Row, Store, Term
from service.store.delta import QuadDelta
from service.store.workers import Task, Views, Wording, WorkerPool

__all__ = [
    "QuadDelta",
    "QueryResult",
    "Row",
    "Store",
    "Task",
    "Term",
    "Views",
    "Wording",
    "WorkerPool",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings describe (remote when `sparql_url` is set, else embedded)."""
    if settings.sparql_url:
        from service.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    from service.store.embedded import EmbeddedStore

    return EmbeddedStore.from_settings(settings)
