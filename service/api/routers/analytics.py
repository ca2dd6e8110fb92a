"""`POST /analyse`: recompute the network analytics graph (`urn:triskel:analytics`).

Needs the write role. The analysis (`service.network.run`) reads the network from the store,
computes every metric and replaces the analytics graph in one all-or-nothing load; the answer
is its JSON summary. Reads of the metrics are plain SPARQL over that graph (`/sparql`).

Privacy: aggregates over fewer than `TRISKEL_MIN_GROUP_SIZE` people come with a `suppressed`
reason instead of values. Per-person metrics are in the answer for a caller with the admin
role, and for every caller when `TRISKEL_PERSON_METRICS=read`, the only setting under which
they are also written into the graph (which every reader can query).

The analysis runs in a place of the validation admission (`TRISKEL_VALIDATION_WORKERS`,
`..._QUEUE`: 503 at once when they are taken), not under the validation time budget: it
ends on its own, and abandoning it midway would leave a caller told of a failure while the
graph is written after all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.auth import AccessPolicy, Role, presented_token
from service.api.deps import SettingsDep, StoreDep, ValidationsDep, WriteAccess
from service.errors import AuthError
from service.network.run import analyse_store

router = APIRouter(tags=["analytics"], dependencies=[WriteAccess])


def _is_admin(request: Request) -> bool:
    """True when the request carries a token of the admin role."""
    policy: AccessPolicy = request.app.state.access
    client = request.client.host if request.client else None
    try:
        policy.check(
            Role.ADMIN, presented_token(request.headers.get("authorization")), client_host=client
        )
    except AuthError:
        return False
    return True


@router.post("/analyse", summary="Recompute the network analytics graph")
async def analyse(
    request: Request, store: StoreDep, settings: SettingsDep, validations: ValidationsDep
) -> dict[str, Any]:
    """Recompute every network metric into `urn:triskel:analytics`; the summary."""
    readable = settings.person_metrics == "read"
    show = readable or _is_admin(request)
    return await validations.run(
        lambda: analyse_store(
            store,
            min_group_size=settings.min_group_size,
            write_people=readable,
            show_people=show,
        )
    )
