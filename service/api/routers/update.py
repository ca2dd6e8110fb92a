"""`POST /update`: the SPARQL 1.1 Protocol update operation. Atomic; needs write access.

`using-graph-uri` / `using-named-graph-uri` give each `DELETE/INSERT ... WHERE` operation its
dataset as `USING` clauses (Protocol §2.2.3); an update that names its own dataset too is a 400.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from service.api.deps import BodyDep, StoreDep, WriteAccess, in_thread
from service.api.protocol import from_body
from service.api.routers.sparql import endpoint_of
from service.api.sparql_text import with_using

router = APIRouter(tags=["sparql"], dependencies=[WriteAccess])


@router.post(
    "/update",
    summary="SPARQL update (form or direct); all operations apply or none",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def update(request: Request, store: StoreDep, body: BodyDep) -> Response:
    """Apply an update POSTed as a form (`update=`) or as `application/sparql-update`."""
    operation = from_body("update", request.query_params, request.headers.get("content-type"), body)
    text = with_using(operation.text, operation.graphs, operation.named_graphs)
    await in_thread(store.update, text, base_iri=endpoint_of(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
