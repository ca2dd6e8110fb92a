"""`GET /findings`: the current findings of the store after the last committed write.

Read from the live findings (`service.findings`), never by validating the store: the same
views as a report (`service.api.report_views`: JSON by default, Turtle, JSON-LD, N-Triples,
text), filtered by rule, severity, layer pair, practice, organisation, person, focus node or
a text (`q`), sorted by a field (`sort`), in pages of `limit` (at most 100,000) from `offset`
— filtered and sorted before paging, so the pages of 100k findings are slices of one order.
The JSON is a report's, with `counts` and `conforms` over every finding the filters keep and
`page` saying where this page lies; every view carries `Triskel-Findings-Total`. On a remote
store, a store changed behind the service's back is noticed here and the live findings
rebuilt once first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from service.api.deps import LiveDep, ReadAccess, StoreDep, in_thread
from service.api.report_views import VIEWS, negotiate, report_response
from service.findings import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    SORT_FIELDS,
    Filters,
    LiveFindings,
    Order,
    Page,
    page,
)
from service.reports.as_json import dumps
from service.store.base import Store
from service.validation.model import Severity

router = APIRouter(tags=["validation"], dependencies=[ReadAccess])

TOTAL = "Triskel-Findings-Total"


SORT_HELP = (
    f"a field to sort by before paging: {', '.join(SORT_FIELDS)} (severity by weight, "
    "violation first; the others by text); `-field` for descending; ties keep the default "
    "order. Any other field is a 400 problem."
)
SEARCH_HELP = "keep findings whose focus, value, message or rule contains this text (any case)"


def current_page(
    store: Store,
    live: LiveFindings,
    filters: Filters,
    offset: int,
    limit: int,
    order: Order | None,
) -> Page:
    """A page of the live findings, after catching up with a store written behind the
    service's back."""
    live.refresh(store)
    return page(live, filters, offset=offset, limit=limit, order=order)


@router.get(
    "/findings",
    response_class=Response,
    summary="The current findings after the last committed write, filtered, sorted and paged",
    description=(
        "The live findings in a report's views. Filters narrow them (all given filters must "
        "hold); `q` keeps those whose focus, value, message or rule contains the text, case "
        "ignored; `sort` orders them by a field (`-field` descending). Both apply before "
        "`offset` and `limit`, so consecutive pages are slices of one filtered, sorted list; "
        "`page.total` and `counts` cover every finding kept."
    ),
    responses={200: {"content": {media_type: {} for media_type in VIEWS}}},
)
async def findings(
    request: Request,
    store: StoreDep,
    live: LiveDep,
    rule: Annotated[str | None, Query(description="a rule id, e.g. R04")] = None,
    severity: Annotated[Severity | None, Query(description="one severity")] = None,
    layer_pair: Annotated[
        str | None, Query(description="a layer pair, e.g. practice/technology, or one layer")
    ] = None,
    practice: Annotated[str | None, Query(description="IRI of a practice")] = None,
    organisation: Annotated[
        str | None, Query(description="IRI of an organisation: findings about its practices")
    ] = None,
    person: Annotated[str | None, Query(description="IRI of a person")] = None,
    focus: Annotated[str | None, Query(description="IRI of a focus node")] = None,
    q: Annotated[str | None, Query(description=SEARCH_HELP)] = None,
    sort: Annotated[str | None, Query(description=SORT_HELP)] = None,
    limit: Annotated[int, Query(ge=0, le=MAX_LIMIT, description="page size")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="findings to skip")] = 0,
) -> Response:
    """A page of the live findings in the negotiated view."""
    media_type = negotiate(request.headers.get("accept"))
    filters = Filters(rule, severity, layer_pair, practice, organisation, person, focus, q)
    order = None if sort is None else Order.parse(sort)
    found = await in_thread(current_page, store, live, filters, offset, limit, order)
    if VIEWS[media_type] == "json":
        answer = Response(dumps(found.to_dict()), media_type=media_type)
        answer.headers["Vary"] = "Accept"
    else:
        answer = report_response(found.report, None, media_type)
    answer.headers[TOTAL] = str(found.total)
    return answer
