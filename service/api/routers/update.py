"""`POST /update`: the SPARQL 1.1 Protocol update operation. Atomic; needs write access.

`using-graph-uri` / `using-named-graph-uri` give each `DELETE/INSERT ... WHERE` operation its
dataset as `USING` clauses (Protocol §2.2.3); an update that names its own dataset too is a 400.
A graph of the dataset that the store does not hold is an empty graph, never fetched.
`?guard=violation|warning` refuses (409) an update that would add a finding at that severity
or above (`service.api.guarding`). A successful update says how many findings it opened and
closed (`Triskel-Findings-Opened`, `Triskel-Findings-Closed`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from service.api.deps import BodyDep, StoreDep, WriteAccess
from service.api.guarding import FINDINGS_HEADERS, GuardParam, write
from service.api.protocol import from_body
from service.api.routers.sparql import endpoint_of
from service.api.sparql_text import with_using
from service.guard import Update

router = APIRouter(tags=["sparql"], dependencies=[WriteAccess])


@router.post(
    "/update",
    summary="SPARQL update (form or direct); all operations apply or none",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={204: {"description": "applied", "headers": FINDINGS_HEADERS}},
)
async def update(
    request: Request, store: StoreDep, body: BodyDep, guard: GuardParam = None
) -> Response:
    """Apply an update POSTed as a form (`update=`) or as `application/sparql-update`."""
    operation = from_body("update", request.query_params, request.headers.get("content-type"), body)
    text = with_using(operation.text, operation.graphs, operation.named_graphs)
    _, headers = await write(request, store, Update(text, endpoint_of(request)), guard)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=headers)
