"""`GET|PUT|POST|DELETE /store?graph=<iri>` or `?default`: the SPARQL 1.1 Graph Store Protocol.

Request bodies are read in the syntax their `Content-Type` names; `PUT` replaces the graph
and `POST` adds to it, each all-or-nothing (a body that does not parse changes nothing and
answers 400 naming the line). Status codes follow the protocol: 201 when the request created
the graph, 204 otherwise, 404 for reading or deleting a graph that does not exist. A POST to
the graph store itself creates a new graph and says where (`Location`). Writes take
`?guard=violation|warning` (`service.api.guarding`): refused with 409 if they would add a
finding at that severity or above. Every successful write says how many findings it opened
and closed (`Triskel-Findings-Opened`, `Triskel-Findings-Closed`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from service.api.deps import (
    BodyDep,
    ReadAccess,
    StoreDep,
    WriteAccess,
    in_thread,
)
from service.api.guarding import FINDINGS_HEADERS, GuardLevel, GuardParam, write
from service.api.negotiation import GRAPH_TYPES, choose, parse_content_type
from service.api.uploads import MULTIPART, NTRIPLES, merge_parts
from service.errors import InputError, NotFoundError, UnsupportedFormatError
from service.guard import Delete, Load
from service.store.base import Store

router = APIRouter(prefix="/store", tags=["graph store"])

GraphParam = Annotated[str | None, Query(description="IRI of the named graph")]
DefaultParam = Annotated[str | None, Query(description="present (empty) for the default graph")]


def target(graph: str | None, default: str | None) -> str | None:
    """The graph a request is about: an IRI, or None for the default graph."""
    if (graph is None) == (default is None):
        raise InputError("name exactly one target: ?graph=<iri> or ?default")
    if graph is not None and ":" not in graph:
        raise InputError(f"graph must be an absolute IRI, not {graph!r}")
    return graph


async def exists(store: Store, graph: str | None) -> bool:
    """The default graph always exists; a named graph exists when the store lists it."""
    return graph is None or graph in await in_thread(store.graphs)


NEW_GRAPHS = "/store/graphs/"
"""Where the graphs created by a POST to the graph store live, under the service's base."""


def new_graph_iri(base: str, graph_id: uuid.UUID) -> str:
    """The IRI of a graph created by a POST to the graph store.

    >>> new_graph_iri("http://127.0.0.1:8000", uuid.UUID(int=1))
    'http://127.0.0.1:8000/store/graphs/00000000-0000-0000-0000-000000000001'
    """
    return f"{base}{NEW_GRAPHS}{graph_id}"


async def _read(request: Request, store: Store, name: str | None) -> Response:
    """Serialise a graph in the negotiated syntax (Turtle by default); 404 if absent."""
    media_type = choose(request.headers.get("accept"), GRAPH_TYPES)
    if not await exists(store, name):
        raise NotFoundError(f"no graph named <{name}>")
    body = await in_thread(store.export, name, media_type=media_type)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


@router.get("", dependencies=[ReadAccess], response_class=Response, summary="Read a graph")
@router.head("", dependencies=[ReadAccess], response_class=Response, include_in_schema=False)
async def read_graph(
    request: Request,
    store: StoreDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
) -> Response:
    """Serialise the graph in the negotiated syntax (Turtle by default)."""
    return await _read(request, store, target(graph, default))


@router.get(
    "/graphs/{graph_id}",
    dependencies=[ReadAccess],
    response_class=Response,
    summary="Read a graph created by a POST to the graph store (the URL its Location gave)",
)
@router.head(
    "/graphs/{graph_id}",
    dependencies=[ReadAccess],
    response_class=Response,
    include_in_schema=False,
)
async def read_new_graph(request: Request, store: StoreDep, graph_id: uuid.UUID) -> Response:
    """Direct identification (GSP §4.1) of the graphs `POST /store` creates."""
    return await _read(request, store, new_graph_iri(request.app.state.base, graph_id))


async def _write(
    request: Request,
    store: Store,
    body: bytes,
    name: str | None,
    *,
    replace: bool,
    guard: GuardLevel | None,
) -> Response:
    """Load a PUT or POST body into the graph; 201 if this created it, else 204 (decided
    under the guard's lock, with the write: of two racing writes to a new graph one is 201)."""
    header = request.headers.get("content-type", "")
    media_type = parse_content_type(header).media_type
    if not media_type:
        raise UnsupportedFormatError("the body needs a Content-Type naming its RDF syntax")
    if media_type == MULTIPART:
        limit = request.app.state.settings.max_rdf_nesting
        body = await in_thread(merge_parts, header, body, max_nesting=limit)
        media_type = NTRIPLES
    load = Load(body, media_type, name, replace=replace)
    created, headers = await write(request, store, load, guard)
    code = status.HTTP_201_CREATED if created else status.HTTP_204_NO_CONTENT
    return Response(status_code=code, headers=headers)


WRITTEN: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "headers": FINDINGS_HEADERS}
    for code, text in ((201, "the graph was created"), (204, "the graph existed"))
}
"""The answers of a write, with the findings it opened and closed."""


@router.put(
    "",
    dependencies=[WriteAccess],
    response_class=Response,
    summary="Replace a graph",
    responses=WRITTEN,
)
async def replace_graph(
    request: Request,
    store: StoreDep,
    body: BodyDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    guard: GuardParam = None,
) -> Response:
    """Replace the graph with the body, atomically (201 if it did not exist, else 204)."""
    return await _write(request, store, body, target(graph, default), replace=True, guard=guard)


@router.post(
    "",
    dependencies=[WriteAccess],
    response_class=Response,
    summary="Add to a graph; without ?graph or ?default, create a new graph",
    responses=WRITTEN,
)
async def add_to_graph(
    request: Request,
    store: StoreDep,
    body: BodyDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    guard: GuardParam = None,
) -> Response:
    """Add the body's triples to the graph, atomically (201 if it did not exist, else 204).

    POSTed to the graph store itself (GSP §5.5), the body becomes a new graph
    `<base>/store/graphs/<uuid>`, named in the 201's `Location` (`new_graph_iri`).
    A `multipart/form-data` body adds every part, each in its own syntax, in one write.
    """
    if graph is None and default is None:
        new = new_graph_iri(request.app.state.base, uuid.uuid4())
        answer = await _write(request, store, body, new, replace=False, guard=guard)
        answer.status_code = status.HTTP_201_CREATED
        answer.headers["Location"] = new
        return answer
    name = target(graph, default)
    return await _write(request, store, body, name, replace=False, guard=guard)


@router.delete(
    "",
    dependencies=[WriteAccess],
    status_code=204,
    summary="Delete a graph",
    responses={204: WRITTEN[204]},
)
async def delete_graph(
    request: Request,
    store: StoreDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    guard: GuardParam = None,
) -> Response:
    """Delete a named graph (404 if absent) or empty the default graph."""
    _, headers = await write(request, store, Delete(target(graph, default)), guard)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=headers)
