"""`GET /queries` and `GET|POST /queries/{name}`: the named queries of the catalog.

The catalog is loaded once by the app's lifespan (a broken `.rq` file stops the start). A
query runs with typed parameters taken from the URL (GET) or from a form or JSON object body
(POST); the catalog turns them into RDF terms, so a value never becomes query text. Answers
are negotiated and capped exactly as on `/sparql` (same formats, time limit and row cap).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from service.api.deps import BodyDep, ReadAccess, StoreDep, in_thread
from service.api.negotiation import parse_content_type, require_utf8
from service.api.protocol import FORM, utf8_text
from service.api.routers.sparql import negotiate, respond
from service.catalog import Catalog, NamedQuery, ParamType
from service.errors import InputError, QueryParameterError, UnsupportedFormatError
from service.store.base import Store

JSON = "application/json"

router = APIRouter(prefix="/queries", tags=["queries"], dependencies=[ReadAccess])


async def get_catalog(request: Request) -> Catalog:
    """The catalog the lifespan loaded."""
    catalog: Catalog = request.app.state.catalog
    return catalog


CatalogDep = Annotated[Catalog, Depends(get_catalog)]


class ParameterInfo(BaseModel):
    """One typed parameter: pass it as `name=value` (a string in the declared type)."""

    name: str
    type: ParamType
    description: str


class QueryInfo(BaseModel):
    """A named query as `GET /queries` lists it."""

    name: str
    title: str
    description: str
    parameters: list[ParameterInfo]
    sparql: str

    @classmethod
    def of(cls, query: NamedQuery) -> QueryInfo:
        """The listing entry of one catalog query."""
        return cls(
            name=query.name,
            title=query.title,
            description=query.description,
            parameters=[
                ParameterInfo(name=p.name, type=p.type, description=p.description)
                for p in query.parameters
            ],
            sparql=query.text,
        )


@router.get("", summary="The named queries, with their parameters", response_model=list[QueryInfo])
async def list_queries(catalog: CatalogDep) -> list[QueryInfo]:
    """Every named query of the catalog, sorted by name."""
    return [QueryInfo.of(query) for query in catalog]


@router.head("/{name}", response_class=Response, include_in_schema=False)
@router.get("/{name}", summary="Run a named query (parameters in the URL)", response_class=Response)
async def run_get(name: str, request: Request, store: StoreDep, catalog: CatalogDep) -> Response:
    """`?param=value` per declared parameter; the answer negotiated as on `/sparql`."""
    params = _single_values(request.query_params.multi_items())
    return await _run(catalog, name, params, request, store)


@router.post(
    "/{name}", summary="Run a named query (form or JSON parameters)", response_class=Response
)
async def run_post(
    name: str, request: Request, store: StoreDep, catalog: CatalogDep, body: BodyDep
) -> Response:
    """Parameters as an `application/x-www-form-urlencoded` form or a JSON object."""
    params = _body_params(request.headers.get("content-type"), body)
    return await _run(catalog, name, params, request, store)


async def _run(
    catalog: Catalog, name: str, params: Mapping[str, str], request: Request, store: Store
) -> Response:
    """Look the query up (404 first), negotiate, run it in a worker thread, reply."""
    accept = negotiate(request, catalog.get(name).text)
    result = await in_thread(catalog.run, store, name, params, accept=accept)
    return respond(result)


def _single_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Parameters by name; a parameter given twice is ambiguous (400)."""
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise QueryParameterError(f"parameter {key!r} is given more than once")
        params[key] = value
    return params


def _body_params(content_type: str | None, body: bytes) -> dict[str, str]:
    """The parameters of a POST body: a form, a JSON object, or nothing at all."""
    parsed = parse_content_type(content_type)
    require_utf8(parsed)
    if not body:
        return {}
    text = utf8_text(body)
    if parsed.media_type == FORM:
        return _single_values(parse_qsl(text, keep_blank_values=True))
    if parsed.media_type == JSON:
        return _json_params(text)
    raise UnsupportedFormatError(
        f"named-query parameters are POSTed as {FORM} or {JSON}, "
        f"not {parsed.media_type or 'a body without Content-Type'}"
    )


class _Digits(str):
    """A JSON integer kept as its digits: Python's `int()` refuses over 4,300 digits with a
    `ValueError` that is no `JSONDecodeError`, and the catalog checks integers anyway."""


def _json_params(text: str) -> dict[str, str]:
    """A JSON object of strings (integers allowed for integer parameters).

    A body nested past Python's recursion limit (`RecursionError`) or with an integer too
    long for `int()` is bad input like any other JSON that does not parse:

    >>> _json_params('{"n": 12, "name": "x"}')
    {'n': '12', 'name': 'x'}
    >>> _json_params("[" * 100_000)
    Traceback (most recent call last):
    ...
    service.errors.InputError: the JSON body is nested too deeply
    """
    try:
        value = json.loads(text, parse_int=_Digits)
    except json.JSONDecodeError as exc:
        raise InputError(f"the JSON body does not parse: {exc}") from None
    except RecursionError:
        raise InputError("the JSON body is nested too deeply") from None
    except ValueError as exc:  # a float literal too long or out of range
        raise InputError(f"the JSON body does not parse: {exc}") from None
    if not isinstance(value, dict):
        raise QueryParameterError("the JSON body must be an object of parameter values")
    params: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise QueryParameterError(f"parameter {key!r} must be a JSON string or integer")
        params[key] = str(item)
    return params
