"""`POST /import/{kind}`: import a source as one named graph, as `triskel import` does;
`GET /import/kinds`: the kinds and their options, as `triskel import --help` lists them.

The source is the request body, or the `source` parts of a `multipart/form-data` body (each
with its file name, for messages), with at most one `mapping` part. Query parameters: `graph`,
`option=NAME=VALUE` (repeatable: the kind's options), `pseudonymise`, `since`, `dry_run` and
`guard`. A body sent whole is named by the file name of its `Content-Disposition` (an event
log's default name comes from it), else `upload`. The import is read and built whole before
anything is written, then written through the app's guard (`service.api.guarding`) like any
load, so the live findings follow it and a guarded import that would add findings is refused
(409). The answer is the summary as JSON (`service.importers.run.Prepared.report`). A source
that is not of the kind is a 400 naming why; nothing is written then, nor on `dry_run`, nor
when the graph holds this very import already (`"written": false`).
"""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from email.message import EmailMessage
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from service.api.deps import BodyDep, ReadAccess, StoreDep, WriteAccess, in_thread
from service.api.guarding import FINDINGS_HEADERS, GuardParam, write
from service.api.negotiation import parse_content_type
from service.api.uploads import MULTIPART, NTRIPLES
from service.errors import InputError
from service.guard import Load
from service.importers import KINDS, importer_named
from service.importers.contract import Source
from service.importers.run import parse_since, prepare
from service.rdf.reader import MEGABYTE
from service.settings import Settings

router = APIRouter(prefix="/import", tags=["import"])


def read_sources(
    content_type: str | None, disposition: str | None, body: bytes
) -> tuple[list[Source], bytes | None]:
    """The sources and the mapping of a request body: the body itself, named by the file
    name of its `Content-Disposition` (else `upload`), or the `source` and `mapping` parts of
    a multipart body, each named by its file name."""
    if parse_content_type(content_type).media_type != MULTIPART:
        return [Source(_file_name(disposition) or "upload", body)], None
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = message_from_bytes(head + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise InputError("a multipart/form-data body without parts")
    sources: list[Source] = []
    mappings: list[bytes] = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        if name not in ("source", "mapping") or not isinstance(content, bytes):
            raise InputError(
                f"unknown multipart part {name!r}: send 'source' parts and a 'mapping'"
            )
        if name == "source":
            sources.append(
                Source(part.get_filename() or f"source part {len(sources) + 1}", content)
            )
        else:
            mappings.append(content)
    if len(mappings) > 1:
        raise InputError("send at most one 'mapping' part")
    return sources, mappings[0] if mappings else None


def _file_name(disposition: str | None) -> str | None:
    """The file name a `Content-Disposition` header gives, if any.

    >>> _file_name('attachment; filename="orders.xes"')
    'orders.xes'
    """
    if not disposition:
        return None
    message = message_from_bytes(f"Content-Disposition: {disposition}\r\n\r\n".encode())
    return message.get_filename()


def options_of(pairs: list[str]) -> dict[str, str]:
    """`option=NAME=VALUE` parameters as a mapping; the importer checks the names.

    >>> options_of(["case=Ticket", "delimiter=;"])
    {'case': 'Ticket', 'delimiter': ';'}
    """
    options: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key or key in options:
            raise InputError(f"option takes NAME=VALUE, each name once, not {pair!r}")
        options[key] = value
    return options


@router.get(
    "/kinds",
    dependencies=[ReadAccess],
    summary="The kinds of source `POST /import/{kind}` reads, each with its options",
)
async def import_kinds() -> dict[str, list[dict[str, object]]]:
    """Every kind with its options (name, default, help), for a client to offer them."""
    return {
        "kinds": [
            {
                "kind": kind,
                "options": [
                    {"name": spec.name, "default": spec.default, "help": spec.help}
                    for spec in importer_named(kind).options
                ],
            }
            for kind in sorted(KINDS)
        ]
    }


@router.post(
    "/{kind}",
    dependencies=[WriteAccess],
    summary="Import a source (an event log, ...) as one named graph; answers the summary",
    responses={200: {"description": "the import's summary", "headers": FINDINGS_HEADERS}},
)
async def import_source(
    request: Request,
    store: StoreDep,
    body: BodyDep,
    kind: str,
    graph: Annotated[str | None, Query(description="graph IRI (default: from the source)")] = None,
    option: Annotated[list[str] | None, Query(description="NAME=VALUE, a kind's option")] = None,
    pseudonymise: Annotated[bool, Query(description="identifiers as keyed hashes")] = False,
    since: Annotated[str | None, Query(description="leave out what came before")] = None,
    dry_run: Annotated[bool, Query(description="write nothing; answer the summary")] = False,
    guard: GuardParam = None,
) -> JSONResponse:
    """Read the source whole, then write its graph through the guard, all or nothing."""
    settings: Settings = request.app.state.settings
    headers = request.headers
    sources, mapping = read_sources(
        headers.get("content-type"), headers.get("content-disposition"), body
    )
    key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    prepared = await in_thread(
        prepare,
        kind,
        sources,
        options=options_of(option or []),
        mapping=mapping,
        pseudonym_key=key,
        pseudonymise=pseudonymise,
        since=parse_since(since) if since else None,
        graph=graph,
        max_bytes=int(settings.max_body_mb * MEGABYTE),
    )
    findings: dict[str, str] = {}
    written = False
    if not dry_run and not await in_thread(prepared.is_current, store):
        load = Load(prepared.body, NTRIPLES, prepared.graph, replace=True, source=kind)
        _, findings = await write(request, store, load, guard)
        written = True
    return JSONResponse(prepared.report(written=written, dry_run=dry_run), headers=findings)
