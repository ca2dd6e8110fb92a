"""The `guard` query parameter of `/store` and `/update`, and the one way routers write.

Every write of the service goes through the app's `Guard` (`service.guard`), guarded or not,
so no write slips in between a guarded write's check and its commit, and every write brings
its delta to the live findings. With `?guard=violation|warning` the write is applied only if
it opens no finding at that severity or above; otherwise 409 problem+json lists the new
findings and the store is unchanged.

Every successful write answers, beside its Graph Store or update status, how many findings it
opened and closed: `Triskel-Findings-Opened` and `Triskel-Findings-Closed` (`FINDINGS_HEADERS`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request

from service.api.deps import in_thread
from service.guard import Applied, Guard, Write
from service.store.base import Store

GuardLevel = Literal["violation", "warning"]
GuardParam = Annotated[
    GuardLevel | None,
    Query(description="refuse the write (409) if it adds a finding at this severity or above"),
]
OPENED = "Triskel-Findings-Opened"
CLOSED = "Triskel-Findings-Closed"
FINDINGS_HEADERS = {
    OPENED: {"description": "findings this write opened", "schema": {"type": "integer"}},
    CLOSED: {"description": "findings this write closed", "schema": {"type": "integer"}},
}
"""The OpenAPI description of the headers every successful write answers with."""


async def write(
    request: Request, store: Store, change: Write, level: GuardLevel | None
) -> tuple[bool, dict[str, str]]:
    """Apply `change` through the app's guard, in a worker thread: whether it created the
    graph it names (`Guard.apply`), and the findings headers of the answer."""
    guard: Guard = request.app.state.guard
    applied: Applied = await in_thread(guard.apply, store, change, level=level)
    headers = {OPENED: str(applied.change.opened), CLOSED: str(applied.change.closed)}
    return applied.created, headers
