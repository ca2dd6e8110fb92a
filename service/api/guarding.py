"""The `guard` query parameter of `/store` and `/update`, and the one way routers write.

Every write of the service goes through the app's `Guard` (`service.guard`), guarded or not,
so no write slips in between a guarded write's check and its apply. With
`?guard=violation|warning` the write is applied only if it adds no finding at that severity
or above; otherwise 409 problem+json lists the new findings and the store is unchanged.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request

from service.api.deps import in_thread
from service.guard import Guard, Write
from service.store.base import Store

GuardLevel = Literal["violation", "warning"]
GuardParam = Annotated[
    GuardLevel | None,
    Query(description="refuse the write (409) if it adds a finding at this severity or above"),
]


async def write(request: Request, store: Store, change: Write, level: GuardLevel | None) -> bool:
    """Apply `change` through the app's guard, in a worker thread; True when it created the
    graph it names (`Guard.apply`)."""
    guard: Guard = request.app.state.guard
    created: bool = await in_thread(guard.apply, store, change, level=level)
    return created
