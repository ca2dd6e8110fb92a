"""`GET|POST /sparql`: the SPARQL 1.1 Protocol query operation, and the service description.

The default graph is the union of all named graphs unless the request names a dataset
(`default-graph-uri`, `named-graph-uri`, which take precedence over `FROM` in the query);
a dataset may name only graphs of the store (400 otherwise: nothing is ever fetched).
Answers are negotiated by `Accept` (SELECT/ASK: SPARQL JSON by default, XML, CSV, TSV;
CONSTRUCT/DESCRIBE: Turtle by default, N-Triples, JSON-LD, RDF/XML). When the row cap cut an
answer the response says `Triskel-Truncated: true`; every negotiated answer says `Vary: Accept`.

SPARQL 1.1 CSV/TSV define no boolean form; an ASK asked for in CSV or TSV is answered as Jena
and Fuseki do, a one-column table named `_askResult` with one row, `true` or `false`: a table
any CSV tool reads, and the form Jena's own result readers turn back into a boolean (Oxigraph
writes a bare `true`, which a CSV reader takes for a header without rows).

Relative IRIs in a query or update resolve against the endpoint's URL built on the service's
configured base (`app.state.base`), never on the caller's `Host`.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request, Response
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import Namespace

from service.api.deps import BodyDep, ReadAccess, StoreDep, in_thread
from service.api.negotiation import BOOLEAN_TYPES, GRAPH_TYPES, RESULT_TYPES, choose
from service.api.protocol import Operation, from_body, from_url
from service.api.sparql_text import query_form
from service.store.base import QueryResult, Store

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DESCRIPTION = Path(__file__).resolve().parent.parent / "service-description.ttl"
TRUNCATED = "Triskel-Truncated"
"""Response header set to `true` when `TRISKEL_MAX_ROWS` cut the answer."""
TABLE_TYPES = ("text/csv", "text/tab-separated-values")
"""Results types without a boolean form: ASK answers in them are built here (`boolean_table`)."""
ASK_TYPES: tuple[str, ...] = (*BOOLEAN_TYPES, *(t for t in TABLE_TYPES if t not in BOOLEAN_TYPES))
"""What an ASK answer is offered in, default (SPARQL JSON) first."""

router = APIRouter(tags=["sparql"], dependencies=[ReadAccess])


def endpoint_of(request: Request) -> str:
    """The URL of the endpoint on the service's base (no query string): the base IRI of the
    texts sent to it, the same whatever `Host` the caller used."""
    base: str = request.app.state.base
    return f"{base}{request.url.path}"


def boolean_table(boolean: bool, media_type: str) -> bytes:
    """An ASK answer as a one-column CSV or TSV table (`_askResult`), as Jena writes it.

    >>> boolean_table(True, "text/csv"), boolean_table(False, "text/tab-separated-values")
    (b'_askResult\\r\\ntrue\\r\\n', b'?_askResult\\nfalse\\n')
    """
    value = "true" if boolean else "false"
    if media_type == "text/csv":
        return f"_askResult\r\n{value}\r\n".encode()
    return f"?_askResult\n{value}\n".encode()


def offers(form: str | None) -> tuple[str, ...]:
    """The media types an answer of this query form can be given in."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_TYPES
    if form == "ASK":
        return ASK_TYPES
    return RESULT_TYPES


def negotiate(request: Request, text: str) -> str:
    """The answer's media type; a text that is no query is not negotiated, so that its
    syntax error (400) is what the caller hears, not a 406."""
    form = query_form(text)
    if form is None or form == "UPDATE":
        return RESULT_TYPES[0]
    return choose(request.headers.get("accept"), offers(form))


async def answer(operation: Operation, request: Request, store: Store) -> Response:
    """Negotiate, run the query in a worker thread (the store enforces the time limit), reply."""
    accept = negotiate(request, operation.text)
    table = accept in TABLE_TYPES and query_form(operation.text) == "ASK"
    result = await in_thread(
        store.query,
        operation.text,
        accept=RESULT_TYPES[0] if table else accept,
        default_graph_uris=operation.graphs,
        named_graph_uris=operation.named_graphs,
        base_iri=endpoint_of(request),
    )
    if table:
        boolean = bool(json.loads(result.body)["boolean"])
        result = QueryResult(boolean_table(boolean, accept), accept, result.truncated)
    return respond(result)


def respond(result: QueryResult) -> Response:
    """A negotiated query answer: `Vary: Accept`, and `Triskel-Truncated` when it was cut."""
    headers = {"Vary": "Accept"} | ({TRUNCATED: "true"} if result.truncated else {})
    return Response(result.body, media_type=result.media_type, headers=headers)


@router.head("/sparql", response_class=Response, include_in_schema=False)
@router.get(
    "/sparql",
    summary="SPARQL query by GET; without a query, the SPARQL service description",
    response_class=Response,
)
async def query_get(request: Request, store: StoreDep) -> Response:
    """`?query=...` runs the query; no query answers the service description (Turtle)."""
    operation = from_url("query", request.query_params)
    if operation is None:
        return await describe(request, store)
    return await answer(operation, request, store)


@router.post("/sparql", summary="SPARQL query by POST (form or direct)", response_class=Response)
async def query_post(request: Request, store: StoreDep, body: BodyDep) -> Response:
    """Run a query POSTed as a form (`query=`) or as `application/sparql-query`."""
    operation = from_body("query", request.query_params, request.headers.get("content-type"), body)
    return await answer(operation, request, store)


async def describe(request: Request, store: Store) -> Response:
    """The service description, with the store's named graphs, in the negotiated syntax."""
    media_type = choose(request.headers.get("accept"), GRAPH_TYPES)
    endpoint = endpoint_of(request)
    names = await in_thread(store.graphs)
    graph = Graph()
    graph.parse(DESCRIPTION, format="turtle", publicID=endpoint)
    dataset = URIRef(f"{endpoint}#dataset")
    for name in names:
        node = BNode()
        graph.add((dataset, SD.namedGraph, node))
        graph.add((node, RDF.type, SD.NamedGraph))
        graph.add((node, SD.name, URIRef(name)))
    body = graph.serialize(format=media_type, encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
