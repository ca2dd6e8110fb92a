"""Annotated dependencies shared by the routers: settings, store, access, bodies, store calls.

Everything comes from `request.app.state` (filled by the app factory and its lifespan), so
one process can hold several apps with different settings, and tests override nothing global.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request

from service.api.auth import AccessPolicy, Role, presented_token
from service.api.pools import STORE_CALLS, Admission
from service.errors import AuthError, TooLargeError
from service.findings import LiveFindings
from service.reports.validations import Validations
from service.settings import Settings
from service.store.base import Store

P = ParamSpec("P")
T = TypeVar("T")
MEGABYTE = 1024 * 1024


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with (async: a sync dependency costs a thread hop)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    """The store opened by the lifespan."""
    store: Store = request.app.state.store
    return store


async def get_live(request: Request) -> LiveFindings:
    """The live findings the lifespan built from the store."""
    live: LiveFindings = request.app.state.guard.live
    return live


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
LiveDep = Annotated[LiveFindings, Depends(get_live)]


def _require(role: Role) -> Callable[[Request], Awaitable[None]]:
    async def check(request: Request) -> None:
        policy: AccessPolicy = request.app.state.access
        client = request.client.host if request.client else None
        policy.check(
            role, presented_token(request.headers.get("authorization")), client_host=client
        )

    check.__doc__ = f"Let the request through only with {role.name.lower()} access."
    return check


ReadAccess = Depends(_require(Role.READ))
WriteAccess = Depends(_require(Role.WRITE))
_check_write = _require(Role.WRITE)


async def can_write(request: Request) -> bool:
    """True if the request would pass `WriteAccess`: for reads whose side effects (a kept
    report) a read-only caller may cause only within bounds."""
    try:
        await _check_write(request)
    except AuthError:
        return False
    return True


CanWrite = Annotated[bool, Depends(can_write)]


async def is_admin(request: Request) -> bool:
    """True when the request carries a token of the admin role (per-person network metrics
    are for admins unless `TRISKEL_PERSON_METRICS=read`)."""
    try:
        await _require(Role.ADMIN)(request)
    except AuthError:
        return False
    return True


IsAdmin = Annotated[bool, Depends(is_admin)]


async def read_body(request: Request, settings: SettingsDep) -> bytes:
    """The request body, refused with `TooLargeError` (413) as soon as it passes the limit.

    A declared `Content-Length` over the limit is refused before reading anything; a chunked
    or lying body is counted while it streams, so the server never holds more than the limit.
    """
    limit = int(settings.max_body_mb * MEGABYTE)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLargeError(_too_large(settings, int(declared)))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError(_too_large(settings, size))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(settings: Settings, size: int) -> str:
    return (
        f"request body of {size / MEGABYTE:.1f} MB or more is over the limit of "
        f"{settings.max_body_mb:g} MB (TRISKEL_MAX_BODY_MB)"
    )


BodyDep = Annotated[bytes, Depends(read_body)]


async def in_thread(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking store call in a thread of the store-call pool (`pools.STORE_CALLS`)
    so the event loop keeps answering, and `/health` and validations keep their own threads.

    Query time limits are the store's (it abandons a query past `TRISKEL_QUERY_TIMEOUT_S`
    and raises `LimitExceededError`), so one slow query holds one thread, never the server.
    """
    return await STORE_CALLS.run(func, *args, **kwargs)


async def get_validations(request: Request) -> Admission:
    """The app's admission of validations (`TRISKEL_VALIDATION_WORKERS`, `..._QUEUE`)."""
    admission: Admission = request.app.state.validations
    return admission


ValidationsDep = Annotated[Admission, Depends(get_validations)]


async def get_validator(request: Request) -> Validations:
    """The app's validation workers (`TRISKEL_VALIDATION_WORKERS`, `..._MEMORY_MB`)."""
    validator: Validations = request.app.state.validator
    return validator


ValidatorDep = Annotated[Validations, Depends(get_validator)]
