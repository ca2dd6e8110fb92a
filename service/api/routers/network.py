"""`GET /network/graph`: the social network as the Network page draws it (read role).

People, channel tools and arcs in compact arrays (`service.network.picture`): a fifth or less
of the SPARQL JSON results of the same two queries, which the page read before, so the page
parses and walks far less before it draws a large network.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Response

from service.api.deps import ReadAccess, StoreDep, in_thread
from service.network.picture import picture

router = APIRouter(tags=["analytics"], dependencies=[ReadAccess])


@router.get(
    "/network/graph",
    response_class=Response,
    summary="People, tools and arcs as the Network page draws them, in compact arrays",
    responses={200: {"content": {"application/json": {}}}},
)
async def network_graph(store: StoreDep) -> Response:
    """`people` ([iri, name, organisation]), `tools` (IRIs) and `arcs` ([iri, source index,
    target index, weight, [tool index, ...]])."""
    found = await in_thread(picture, store)
    return Response(orjson.dumps(found), media_type="application/json")
