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

With the rules over analytics on (`TRISKEL_ANALYTICS_RULES`), the live findings read the
analytics graph: the analysis is then a write of the service through the guard
(`service.guard.Recomputed`), so the findings it opens and closes (R21-R24) are current when
it answers.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Request

from service.api.deps import IsAdmin, SettingsDep, StoreDep, ValidationsDep, WriteAccess
from service.guard import Guard, Recomputed
from service.network.run import analyse_store
from service.store.system_graphs import ANALYTICS_GRAPH

router = APIRouter(tags=["analytics"], dependencies=[WriteAccess])


@router.post("/analyse", summary="Recompute the network analytics graph")
async def analyse(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    validations: ValidationsDep,
    admin: IsAdmin,
) -> dict[str, Any]:
    """Recompute every network metric into `urn:triskel:analytics`; the summary."""
    readable = settings.person_metrics == "read"
    show = readable or admin

    def recompute() -> dict[str, Any]:
        return analyse_store(
            store, min_group_size=settings.min_group_size, write_people=readable, show_people=show
        )

    guard: Guard = request.app.state.guard
    if not guard.live.pack.analytics:
        return await validations.run(recompute)
    write = Recomputed(ANALYTICS_GRAPH, recompute)
    await validations.run(lambda: guard.apply(store, write))
    return cast(dict[str, Any], write.result)
