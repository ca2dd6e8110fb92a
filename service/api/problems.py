"""The one place where the project's exceptions become HTTP answers (RFC 9457 problem+json).

Core code raises `service.errors` types and never thinks about status codes; routers do not
catch them. `install(app)` registers the handlers below. Known errors answer with their
message (which names the offending thing and where, never a secret); anything else is a
bug: it is logged with its traceback and answered with a bare 500 that reveals nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from service.errors import (
    AuthError,
    DiskFullError,
    EngineUnavailableError,
    ForbiddenOperationError,
    GuardRefusedError,
    InputError,
    LimitExceededError,
    NotAcceptableError,
    NotFoundError,
    OntologyInconsistentError,
    OperationFailedError,
    QuerySyntaxError,
    RDFSyntaxError,
    StoreError,
    TooLargeError,
    TriskelError,
    UnsupportedFormatError,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

STATUS: tuple[tuple[type[TriskelError], HTTPStatus], ...] = (
    (NotAcceptableError, HTTPStatus.NOT_ACCEPTABLE),
    (UnsupportedFormatError, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
    (TooLargeError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (ForbiddenOperationError, HTTPStatus.FORBIDDEN),
    (InputError, HTTPStatus.BAD_REQUEST),
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (GuardRefusedError, HTTPStatus.CONFLICT),
    (LimitExceededError, HTTPStatus.SERVICE_UNAVAILABLE),
    (DiskFullError, HTTPStatus.INSUFFICIENT_STORAGE),
    (StoreError, HTTPStatus.SERVICE_UNAVAILABLE),
    (EngineUnavailableError, HTTPStatus.SERVICE_UNAVAILABLE),
    (OntologyInconsistentError, HTTPStatus.UNPROCESSABLE_ENTITY),
)
"""First match wins, so subclasses come before their parents. `AuthError` is decided apart."""

PROBLEM_TYPES = "https://w3id.org/social-business/problems#"
"""Namespace of the problem `type`s (RFC 9457 §3.1.1) that tell failures of SPARQL and RDF
apart, so that a client (and the W3C suites' harness) can: a syntax error, a refusal by
policy, and an operation that is well-formed and allowed but fails by the standard's rules."""

KINDS: tuple[tuple[type[TriskelError], str, str], ...] = (
    (QuerySyntaxError, "syntax", "Syntax error"),
    (RDFSyntaxError, "syntax", "Syntax error"),
    (ForbiddenOperationError, "policy", "Refused by policy"),
    (OperationFailedError, "operation-failed", "Operation failed"),
)
"""Error kind, `type` fragment and `title`; any other problem is `about:blank` titled by its
status phrase."""

CHALLENGE = 'Basic realm="triskel", Bearer realm="triskel"'
"""`WWW-Authenticate` of every 401. Basic comes first: Java's HTTP client (Jena) reads only the
first scheme of a header value, and answers a Basic challenge with the credentials it has."""

_POSITION = re.compile(r"\b(?:at|line)\s+(\d+)[:.,]\s*(?:column\s+)?(\d+)")


def problem(
    status: HTTPStatus | int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    kind: TriskelError | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response; `kind`, the error answered, picks its `type` and `title`
    (`type_of`); `extensions` add members such as `line` and `column`."""
    status = HTTPStatus(status)
    type_, title = type_of(kind) if kind is not None else ("about:blank", "")
    body = {"type": type_, "title": title or status.phrase, "status": status.value}
    body |= {"detail": detail} | {k: v for k, v in extensions.items() if v is not None}
    return JSONResponse(body, status_code=status.value, headers=headers, media_type=PROBLEM_JSON)


def type_of(exc: TriskelError) -> tuple[str, str]:
    """The problem `type` URI and `title` for one of the project's errors; ("about:blank",
    "") when its kind has none, so the title is the status phrase.

    >>> type_of(QuerySyntaxError("SPARQL syntax error at 1:8: expected"))
    ('https://w3id.org/social-business/problems#syntax', 'Syntax error')
    >>> type_of(NotFoundError("no graph <g>"))
    ('about:blank', '')
    """
    for kind, fragment, title in KINDS:
        if isinstance(exc, kind):
            return PROBLEM_TYPES + fragment, title
    return "about:blank", ""


def status_of(exc: TriskelError) -> HTTPStatus:
    """The status code for one of the project's errors."""
    if isinstance(exc, AuthError):
        return HTTPStatus.FORBIDDEN if exc.forbidden else HTTPStatus.UNAUTHORIZED
    return next((status for kind, status in STATUS if isinstance(exc, kind)), HTTPStatus(500))


def position(exc: TriskelError) -> tuple[int | None, int | None]:
    """Line and column of a syntax error, from its attributes or its message."""
    line, column = getattr(exc, "line", None), getattr(exc, "column", None)
    if line is None and isinstance(exc, QuerySyntaxError | RDFSyntaxError):
        found = _POSITION.search(str(exc))
        if found:
            line, column = int(found[1]), int(found[2])
    return line, column


async def _triskel_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TriskelError)
    status = status_of(exc)
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    line, column = position(exc)
    headers = {"WWW-Authenticate": CHALLENGE} if status == HTTPStatus.UNAUTHORIZED else None
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers = {"Retry-After": "5"}
    findings = exc.findings if isinstance(exc, GuardRefusedError) else None
    return problem(
        status, str(exc), headers=headers, kind=exc, line=line, column=column, findings=findings
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        return _not_allowed(request)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


CANDIDATE_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app fully answers at this path, plus OPTIONS, sorted.

    The router alone names the methods of the first route it found for the path, so a path
    served by two routes (`GET /sparql` and `POST /sparql`) would advertise only one. Each
    candidate method is matched against the routes as the router itself would match it.
    """
    methods = {"OPTIONS"}
    for method in CANDIDATE_METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.routes):
            methods.add(method)
    return sorted(methods)


def _not_allowed(request: Request) -> Response:
    """`OPTIONS` answers 204 with `Allow` (RFC 9110 §9.3.7); another method no route has at
    this path is a 405 with the full `Allow`."""
    allow = {"Allow": ", ".join(allowed_methods(request))}
    if request.method == "OPTIONS":
        return Response(status_code=HTTPStatus.NO_CONTENT, headers=allow)
    detail = f"{request.method} is not allowed here; allowed: {allow['Allow']}"
    return problem(HTTPStatus.METHOD_NOT_ALLOWED, detail, headers=allow)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    where = "; ".join(
        f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}"
        for err in exc.errors()
    )
    return problem(HTTPStatus.BAD_REQUEST, f"invalid request: {where}")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; the server log has details")


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    TriskelError: _triskel_error,
    HTTPException: _http_error,
    RequestValidationError: _validation_error,
    Exception: _unexpected,
}
"""The exception-handler map, installed as a whole by `install`."""


def install(app: FastAPI) -> None:
    """Register every handler of `HANDLERS` on `app`."""
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
