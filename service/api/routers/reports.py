"""`GET /reports`, `GET /reports/{id}`, `GET /reports/{id}/diff?against={id2}`: the history.

Every validation of the store is kept (`service.reports.history`); these read it back. A
report comes in the same types as from `/validate`; a diff in JSON (default) or text.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from service.api.deps import ReadAccess, StoreDep, in_thread
from service.api.negotiation import choose
from service.api.report_views import negotiate, report_response
from service.reports import to_dict
from service.reports.as_json import dumps
from service.reports.diff import Diff
from service.reports.history import entries, read

router = APIRouter(prefix="/reports", tags=["validation"], dependencies=[ReadAccess])
DIFF_TYPES = ("application/json", "text/plain")


@router.get("", summary="Kept validation reports, newest first, a page at a time")
async def list_reports(
    store: StoreDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000, description="reports per page")] = 100,
    offset: Annotated[int, Query(ge=0, description="reports to skip")] = 0,
) -> dict[str, Any]:
    """Each kept report's id, time, data fingerprint, shapes version, counts and graph.

    The body keeps its shape (`{"reports": [...]}`); `X-Total-Count` counts every kept report
    and, when more follow, `Link: <...>; rel="next"` names the next page. A malformed report
    graph is left out (and logged)."""
    page, total = await in_thread(entries, store, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    if offset + limit < total:
        following = urlencode({"limit": limit, "offset": offset + limit})
        response.headers["Link"] = f'</reports?{following}>; rel="next"'
    return {"reports": [entry.to_dict() for entry in page]}


@router.get("/{report_id}", response_class=Response, summary="One kept report")
async def get_report(request: Request, store: StoreDep, report_id: str) -> Response:
    """The report in the negotiated type (JSON, Turtle, JSON-LD, N-Triples, text)."""
    media_type = negotiate(request.headers.get("accept"))
    entry, report = await in_thread(read, store, report_id)
    return report_response(report, entry, media_type)


@router.get(
    "/{report_id}/diff",
    response_class=Response,
    summary="Findings new, resolved and still open since another report",
)
async def diff_reports(
    request: Request,
    store: StoreDep,
    report_id: str,
    against: Annotated[str, Query(description="id of the earlier report")],
) -> Response:
    """`new`: found by this report only; `resolved`: by `against` only; `still_open`: both."""
    media_type = choose(request.headers.get("accept"), DIFF_TYPES)
    _, current = await in_thread(read, store, report_id)
    _, previous = await in_thread(read, store, against)
    diff = Diff.between(to_dict(current)["results"], to_dict(previous)["results"])
    if media_type == "text/plain":
        return Response(diff.to_text(), media_type="text/plain; charset=utf-8")
    document = {"report": report_id, "against": against, **diff.to_dict()}
    return Response(dumps(document), media_type=media_type, headers={"Vary": "Accept"})
