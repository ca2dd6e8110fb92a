"""`GET /ontology[/...]` and `GET /shapes`: the product's published files.

Each ontology document is served on its own, at the path that mirrors its IRI below
`https://w3id.org/social-business` (so one redirect rule makes every IRI resolvable):

    /ontology                 the core (ontology/social-business.ttl), which owl:imports
    /ontology/concepts        the controlled values (ontology/concepts.ttl) and
    /ontology/mappings        the mappings to other vocabularies (ontology/mappings.ttl);
    /ontology/report          the `sbr:` report vocabulary (ontology/report.ttl);
    /ontology/1.0.0, /ontology/concepts/1.0.0, ...   each at its version IRI.

Each is Turtle (the default), N-Triples, JSON-LD, RDF/XML, or HTML documentation with an
anchor per term for browsers; the rule pack (`shapes/alignment.ttl` and
`shapes/integrity.ttl`, with `shapes/analytics.ttl` when the rules over analytics are on,
`TRISKEL_ANALYTICS_RULES`: the rules the service checks, merged) in the same four RDF
syntaxes. Like `/sparql`, all need the
`read` role unless reads are public (`TRISKEL_PUBLIC_READ`) or the server is open.

Caches and browser tools are first-class clients, so every answer carries `Vary: Accept`, a
strong `ETag` (a hash of the bytes served) and `Last-Modified` (the newest source file);
`If-None-Match` / `If-Modified-Since` answer 304. `PublicCORS` lets any origin read these
paths (GET, HEAD, and the OPTIONS preflight; never with cookies), and send a bearer token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import publishing
from service.api.deps import ReadAccess, SettingsDep, in_thread
from service.api.negotiation import GRAPH_TYPES, choose
from service.errors import NotFoundError
from service.ontology import read_graph
from service.resources import CORE, DOCUMENTS, OntologyDocument
from service.validation.shapes import builtin_files

HTML = "text/html"
ONTOLOGY_TYPES: tuple[str, ...] = (*GRAPH_TYPES, HTML)
"""What `/ontology` offers, default (Turtle) first."""
SHAPES_TYPES: tuple[str, ...] = GRAPH_TYPES
"""What `/shapes` offers, default (Turtle) first."""
FORMAT_OF: dict[str, str] = {media: name for name, media in publishing.MEDIA_TYPES.items()}
"""Media type -> export format name of `service.publishing.export`."""

router = APIRouter(tags=["publishing"], dependencies=[ReadAccess])


@dataclass(frozen=True, slots=True)
class Representation:
    """One published file set in one syntax, with its validators."""

    body: bytes
    media_type: str
    etag: str
    modified: datetime


Source = OntologyDocument | tuple[Path, ...]
"""What is published: one ontology document, or files merged into one graph (the shapes)."""


def _files(source: Source, media_type: str) -> tuple[Path, ...]:
    """The files a representation is made from (an HTML page reads the imports too)."""
    if isinstance(source, OntologyDocument):
        return publishing.sources(source, FORMAT_OF[media_type])
    return source


def _stamp(files: tuple[Path, ...]) -> tuple[int, ...]:
    """Modification times of the sources: a change to a file renders it again."""
    return tuple(path.stat().st_mtime_ns for path in files)


@lru_cache(maxsize=64)
def _render(source: Source, media_type: str, stamp: tuple[int, ...]) -> Representation:
    """Serialise the source (cached per source, type and mtimes)."""
    fmt = FORMAT_OF[media_type]
    if isinstance(source, OntologyDocument):
        text = publishing.export_document(source, fmt)
    else:
        text = publishing.export(read_graph(source), fmt)
    body = text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = datetime.fromtimestamp(max(stamp) // 1_000_000_000, tz=UTC)
    return Representation(body, media_type, etag, modified)


def _not_modified(request: Request, found: Representation) -> bool:
    """RFC 9110 §13.1: `If-None-Match` (weak comparison) wins; else `If-Modified-Since`."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or found.etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return found.modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


async def _publish(request: Request, source: Source, offers: tuple[str, ...]) -> Response:
    """Negotiate (406 lists the offers), render in a worker thread, answer 200 or 304."""
    media_type = choose(request.headers.get("accept"), offers)
    stamp = _stamp(_files(source, media_type))
    found = await in_thread(_render, source, media_type, stamp)
    headers = {
        "ETag": found.etag,
        "Last-Modified": format_datetime(found.modified, usegmt=True),
        "Vary": "Accept",
    }
    if _not_modified(request, found):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=media_type, headers=headers)


def served_path(document: OntologyDocument) -> str:
    """Where the service publishes a document: `/ontology` plus its IRI below the core's."""
    return f"/ontology/{document.name}" if document.name else "/ontology"


def _published() -> str:
    """What exists, for the detail of a 404."""
    return ", ".join(f"{served_path(doc)} (version {doc.version})" for doc in DOCUMENTS)


@router.head("/ontology", response_class=Response, include_in_schema=False)
@router.get(
    "/ontology",
    summary="The core ontology (it imports /ontology/concepts and /ontology/mappings)",
    response_class=Response,
)
async def ontology(request: Request) -> Response:
    """The current version of the core ontology, in the syntax `Accept` asks for: Turtle,
    N-Triples, JSON-LD, RDF/XML, or HTML documentation of every `sb:` term."""
    return await _publish(request, CORE, ONTOLOGY_TYPES)


def _add_document_routes() -> None:
    """GET and HEAD for every document but the core, at `served_path`; called before the
    `/ontology/{version}` route is added, which would otherwise take `concepts` for a version."""
    for document in DOCUMENTS:
        if document is CORE:
            continue
        endpoint = _document_endpoint(document)
        path = served_path(document)
        router.add_api_route(
            path, endpoint, methods=["HEAD"], response_class=Response, include_in_schema=False
        )
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            summary=f"The ontology <{document.iri}>",
            response_class=Response,
            name=f"ontology_{document.name}",
        )


def _document_endpoint(document: OntologyDocument) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await _publish(request, document, ONTOLOGY_TYPES)

    endpoint.__doc__ = f"The current version of <{document.iri}>, in the syntax `Accept` asks for."
    return endpoint


_add_document_routes()


@router.head("/ontology/{version}", response_class=Response, include_in_schema=False)
@router.get(
    "/ontology/{version}",
    summary="One published version of the core ontology",
    response_class=Response,
)
async def ontology_version(version: str, request: Request) -> Response:
    """The core ontology as published under `version` (`404` for a version never published)."""
    if version != CORE.version:
        raise NotFoundError(f"no ontology version {version!r}; published: {_published()}")
    return await _publish(request, CORE, ONTOLOGY_TYPES)


@router.head("/ontology/{name}/{version}", response_class=Response, include_in_schema=False)
@router.get(
    "/ontology/{name}/{version}",
    summary="One published version of an imported ontology or the report vocabulary",
    response_class=Response,
)
async def document_version(name: str, version: str, request: Request) -> Response:
    """The document `/ontology/{name}` as published under `version` (`404` if never)."""
    for document in DOCUMENTS:
        if document is not CORE and document.name == name and document.version == version:
            return await _publish(request, document, ONTOLOGY_TYPES)
    raise NotFoundError(f"no ontology {name!r} version {version!r}; published: {_published()}")


@router.head("/shapes", response_class=Response, include_in_schema=False)
@router.get(
    "/shapes",
    summary="The rule pack (SHACL): Turtle, N-Triples, JSON-LD, RDF/XML",
    response_class=Response,
)
async def shapes(request: Request, settings: SettingsDep) -> Response:
    """The rules this service checks, merged, for governance tools to import: the built-in
    alignment and integrity shapes, and the rules over analytics when they are on."""
    files = builtin_files(analytics=settings.analytics_rules)
    return await _publish(request, files, SHAPES_TYPES)


PUBLIC_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Vary",
}
PREFLIGHT_HEADERS = CORS_HEADERS | {
    "Access-Control-Allow-Methods": ", ".join(PUBLIC_METHODS),
    "Access-Control-Allow-Headers": "Accept, Authorization, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


def is_public(path: str) -> bool:
    """True for the published paths: `/ontology`, `/ontology/...` and `/shapes`."""
    return path in ("/ontology", "/shapes") or path.startswith("/ontology/")


class PublicCORS:
    """ASGI middleware: any origin may read the published paths, with a bearer token but
    never with cookies (no `Allow-Credentials`).

    Only GET, HEAD and OPTIONS of `is_public` paths are touched (errors included, so a browser
    tool can read a 406's list of offers or a 401); every other request passes through
    untouched. The preflight is answered here, before access is checked: it carries no token.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in PUBLIC_METHODS
            or not is_public(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await Response(status_code=204, headers=PREFLIGHT_HEADERS)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(CORS_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_cors)
