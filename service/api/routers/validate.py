"""`POST /validate`: check the store, one of its graphs, or a posted payload against the rules.

* No body: the whole store (its data graphs and the ontology, never the report-history
  graphs), or with `graph=` one named graph. The report is kept in the history
  (`/reports/{id}`, given in `Location`): see "What is kept" below.
* An RDF body (its `Content-Type` names the syntax), or a `multipart/form-data` part named
  `data`: that payload alone. The store is not touched and nothing is kept.
* Custom shapes: `multipart/form-data` parts named `shapes`, and/or graphs of the store named
  by `shapes_graph=`; next to the built-in rules R01-R20 unless `no_builtin=true`.

What is kept: the history is the store's validations, bounded. A validation against posted
shapes is never kept (those shapes are not the store's state). A caller with write access
has every validation of the store kept, as the governance record. A caller with only the
read role has it kept only when no kept report already holds the same data fingerprint,
shapes version, engine and scope: repeated validations of an unchanged store add nothing,
so a read-only caller adds at most one report per store state and (scope, engine, shapes
graphs) choice, and only writers change the store state. At most `TRISKEL_MAX_REPORTS`
reports are kept, fewer if `TRISKEL_HISTORY_KEEP` says so (oldest dropped first), each with
at most `TRISKEL_MAX_REPORT_RESULTS` results (the first ones, and the whole validation's
counts; the answer to the caller still carries every result and says what was kept,
`service.api.report_views`).
* `fail_on`, `engine` as in `triskel validate`; the report by `Accept` (JSON by default).

A multipart part without a usable `Content-Type` is read by its file name's extension.
A validation of the embedded store with the built-in rules alone is built from the live
findings, which every write keeps current (`service.reports.validations`); any other runs in
a validation worker process (reading the embedded store in place). Both are admitted by
`service.api.pools.Admission` (a few at once, a short queue, 503 with `Retry-After` beyond
it) within `TRISKEL_VALIDATION_TIMEOUT_S`, so they never hold up other requests; past the
budget the caller gets 503, a worker is killed and nothing is kept.
"""

from __future__ import annotations

import email.policy
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from functools import partial
from typing import Annotated, TypeVar

import anyio
from fastapi import APIRouter, Query, Request, Response

from service.api.deps import (
    BodyDep,
    CanWrite,
    LiveDep,
    ReadAccess,
    SettingsDep,
    StoreDep,
    ValidationsDep,
    ValidatorDep,
)
from service.api.negotiation import parse_content_type
from service.api.pools import Admission
from service.api.report_views import VIEWS, negotiate, report_response
from service.api.uploads import MULTIPART
from service.errors import InputError, LimitExceededError, UnsupportedFormatError
from service.rdf.formats import rdf_format_for, rdf_format_for_path
from service.reports.validations import Keeping, Options, Posted
from service.settings import Settings
from service.validation import EngineName
from service.validation.model import Severity
from service.validation.rdfio import Source

router = APIRouter(tags=["validation"], dependencies=[ReadAccess])

T = TypeVar("T")
_UNTYPED = {"", "application/octet-stream", "text/plain"}


def read_posted(content_type: str | None, body: bytes, *, max_nesting: int) -> Posted:
    """The payload and shapes of a request body (see the module docstring), each to be read
    with at most `max_nesting` levels of brackets (`TRISKEL_MAX_RDF_NESTING`)."""
    media_type = parse_content_type(content_type).media_type
    if not body and not media_type:
        return Posted()
    if media_type == MULTIPART:
        return _read_parts(content_type or "", body, max_nesting)
    if not media_type:
        raise UnsupportedFormatError("the body needs a Content-Type naming its RDF syntax")
    fmt = rdf_format_for(media_type)
    return Posted(data=Source("request body", body, fmt.name, max_nesting=max_nesting))


def _read_parts(content_type: str, body: bytes, max_nesting: int) -> Posted:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = message_from_bytes(head + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise InputError("a multipart/form-data body without parts")
    data: list[Source] = []
    shapes: list[Source] = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        name = part.get_param("name", header="content-disposition")
        if name not in ("data", "shapes"):
            raise InputError(f"unknown multipart part {name!r}: send 'data' and/or 'shapes'")
        (data if name == "data" else shapes).append(_part_source(part, str(name), max_nesting))
    if len(data) > 1:
        raise InputError("send at most one 'data' part")
    return Posted(data=data[0] if data else None, shapes=shapes)


def _part_source(part: EmailMessage, name: str, max_nesting: int) -> Source:
    """A part as a source, in the syntax of its `Content-Type` or else its file name."""
    filename = part.get_filename()
    media_type = part.get_content_type() if part.get("content-type") else ""
    if media_type in _UNTYPED:
        if not filename:
            raise UnsupportedFormatError(
                f"the '{name}' part needs a Content-Type or a file name naming its RDF syntax"
            )
        fmt = rdf_format_for_path(filename)
    else:
        fmt = rdf_format_for(media_type)
    content = part.get_payload(decode=True)
    assert isinstance(content, bytes)
    return Source(filename or f"the '{name}' part", content, fmt.name, max_nesting=max_nesting)


async def in_budget(settings: Settings, validations: Admission, func: Callable[[], T]) -> T:
    """Run `func` in a validation thread; past the validation budget answer
    `LimitExceededError` at once (the thread ends on its own, holding its place until then:
    a worker process it waits on is killed at the same budget)."""
    try:
        with anyio.fail_after(settings.validation_timeout_s):
            return await validations.run(func)
    except TimeoutError:
        raise LimitExceededError(
            f"the validation ran longer than {settings.validation_timeout_s:g} s "
            "(TRISKEL_VALIDATION_TIMEOUT_S) and was abandoned"
        ) from None


@router.post(
    "/validate",
    response_class=Response,
    summary="Validate the store, one graph, or a posted payload against the alignment rules",
    responses={200: {"content": {media_type: {} for media_type in VIEWS}}},
)
async def validate_endpoint(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    body: BodyDep,
    writer: CanWrite,
    validations: ValidationsDep,
    validator: ValidatorDep,
    live: LiveDep,
    graph: Annotated[str | None, Query(description="validate only this named graph")] = None,
    shapes_graph: Annotated[
        list[str] | None, Query(description="a graph of the store holding extra shapes")
    ] = None,
    no_builtin: Annotated[bool, Query(description="leave out the rules R01-R20")] = False,
    fail_on: Annotated[Severity, Query(description="least severity that fails")] = "violation",
    engine: Annotated[EngineName, Query(description="validation engine")] = "fast",
) -> Response:
    """The report, in the negotiated type; a kept report's id is in `Location`."""
    media_type = negotiate(request.headers.get("accept"))
    posted = read_posted(
        request.headers.get("content-type"), body, max_nesting=settings.max_rdf_nesting
    )
    options = Options(
        graph,
        tuple(shapes_graph or ()),
        not no_builtin,
        fail_on,
        engine,
        analytics=settings.analytics_rules,
    )
    keeping = Keeping.of(settings, writer=writer)
    until = time.monotonic() + settings.validation_timeout_s
    work = partial(validator.run, store, posted, options, keeping, until=until, live=live)
    report, entry = await in_budget(settings, validations, work)
    return report_response(report, entry, media_type)
