"""`GET /alignment`: the governance dashboard's numbers for the store as it is now.

Per practice and per organisation: conversations, aligned conversations, the alignment
score, findings by severity and by layer pair (`service.reports.alignment`). The store is
validated with the built-in rules within the validation budget; nothing is kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import ReadAccess, SettingsDep, StoreDep, ValidationsDep
from service.api.routers.validate import in_budget
from service.reports.alignment import summary
from service.reports.snapshot import Snapshot
from service.store.base import Store
from service.validation import validate

router = APIRouter(tags=["validation"], dependencies=[ReadAccess])


def _summary(store: Store) -> dict[str, Any]:
    return summary(validate(Snapshot.of_store(store).source()))


@router.get("/alignment", summary="Alignment per practice and per organisation")
async def alignment(
    store: StoreDep, settings: SettingsDep, validations: ValidationsDep
) -> dict[str, Any]:
    """Scores and findings of every practice and organisation in the store."""
    return await in_budget(settings, validations, lambda: _summary(store))
