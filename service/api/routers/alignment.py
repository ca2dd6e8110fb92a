"""`GET /alignment`: the governance dashboard's numbers for the store as it is now.

Per practice and per organisation: conversations, aligned conversations, the alignment
score, findings by severity and by layer pair (`service.reports.alignment`), from the live
findings after the last committed write (`service.findings`): the store is not validated
again. Right after a start from the maintained state it waits for the live engine's warm-up
(the scores read the data). Building the report runs in a validation thread, within the
validation budget.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import LiveDep, ReadAccess, SettingsDep, StoreDep, ValidationsDep
from service.api.routers.validate import in_budget
from service.findings import LiveFindings
from service.reports.alignment import summary
from service.reports.model import Report
from service.store.base import Store

router = APIRouter(tags=["validation"], dependencies=[ReadAccess])


def _summary(store: Store, live: LiveFindings) -> dict[str, Any]:
    live.wait_ready()  # scores read the data: not from the kept findings alone
    live.refresh(store)
    with live.locked():
        return summary(Report.build(live.findings(), live.pack, live.data()))


@router.get("/alignment", summary="Alignment per practice and per organisation")
async def alignment(
    store: StoreDep, live: LiveDep, settings: SettingsDep, validations: ValidationsDep
) -> dict[str, Any]:
    """Scores and findings of every practice and organisation in the store."""
    return await in_budget(settings, validations, lambda: _summary(store, live))
