"""Read one SPARQL 1.1 Protocol operation (a query or an update) out of an HTTP request.

Three ways in (Protocol §2.1 and §2.2): GET with `query=` (queries only), POST with an
`application/x-www-form-urlencoded` body, POST with the text itself as
`application/sparql-query` / `application/sparql-update`. The dataset parameters
(`default-graph-uri`/`named-graph-uri`, or `using-graph-uri`/`using-named-graph-uri`) may sit
in the URL or in the form body. Bodies must be UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from starlette.datastructures import QueryParams

from service.api.negotiation import parse_content_type, require_utf8
from service.errors import InputError, UnsupportedFormatError

FORM = "application/x-www-form-urlencoded"
Kind = Literal["query", "update"]
DIRECT_TYPE: dict[Kind, str] = {
    "query": "application/sparql-query",
    "update": "application/sparql-update",
}
DATASET_PARAMS: dict[Kind, tuple[str, str]] = {
    "query": ("default-graph-uri", "named-graph-uri"),
    "update": ("using-graph-uri", "using-named-graph-uri"),
}
OTHER: dict[Kind, Kind] = {"query": "update", "update": "query"}
PLURAL: dict[Kind, str] = {"query": "queries", "update": "updates"}


@dataclass(frozen=True, slots=True)
class Operation:
    """The text of a query or update and the dataset the request gives it."""

    text: str
    graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


def from_url(kind: Kind, params: QueryParams) -> Operation | None:
    """The operation of a GET request, or None when the URL holds no `query`/`update`."""
    values = {name: params.getlist(name) for name in params}
    _refuse_other(kind, values)
    return _build(kind, values) if kind in values else None


def from_body(kind: Kind, params: QueryParams, content_type: str | None, body: bytes) -> Operation:
    """The operation of a POST request, form-encoded or direct."""
    parsed = parse_content_type(content_type)
    require_utf8(parsed)
    values = {name: params.getlist(name) for name in params}
    if parsed.media_type == FORM:
        for name, found in parse_qs(utf8_text(body), keep_blank_values=True).items():
            values.setdefault(name, []).extend(found)
        _refuse_other(kind, values)
        if kind not in values:
            raise InputError(f"the form has no {kind}= field")
        return _build(kind, values)
    if parsed.media_type == DIRECT_TYPE[kind]:
        return _build(kind, values | {kind: [utf8_text(body)]})
    if parsed.media_type == DIRECT_TYPE[OTHER[kind]]:
        _refuse_other(kind, {OTHER[kind]: []})
    raise UnsupportedFormatError(
        f"a SPARQL {kind} is POSTed as {FORM} or {DIRECT_TYPE[kind]}, "
        f"not {parsed.media_type or 'a body without Content-Type'}"
    )


def utf8_text(body: bytes) -> str:
    """The body as text; a body that is not UTF-8 is a 400 naming the first bad byte."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the body is not UTF-8 (byte {exc.start})") from None


def _refuse_other(kind: Kind, values: dict[str, list[str]]) -> None:
    """A query sent to the update endpoint, or an update to the query endpoint, is a 400."""
    if OTHER[kind] in values:
        where = "POST /update" if kind == "query" else "GET or POST /sparql"
        raise InputError(
            f"this endpoint runs SPARQL {PLURAL[kind]}; send a SPARQL {OTHER[kind]} to {where}"
        )


def _build(kind: Kind, values: dict[str, list[str]]) -> Operation:
    texts = values[kind]
    if len(texts) != 1:
        raise InputError(f"give exactly one {kind}= parameter, not {len(texts)}")
    graphs, named = DATASET_PARAMS[kind]
    return Operation(texts[0], tuple(values.get(graphs, ())), tuple(values.get(named, ())))
