"""Named queries: the `queries/*.rq` files, parsed once, run with typed parameters.

Each file holds one SPARQL query under a comment header::

    # title: People by practice
    # description: Who takes part in the conversations of one practice,
    #   and in how many of them.
    # param: practice iri the practice to look at

A header line is `# key: value` (keys `title`, `description`, `param`); a line indented by two
or more spaces after the `#` continues the previous entry. A parameter is `name type
description` with type `iri`, `string`, `integer` or `date`; every parameter is required.

Parameters become RDF terms and reach the store as substitutions (SEP-0007, as in pyoxigraph's
`Store.query(substitutions=...)`), never as text spliced into the query, so a value cannot
change what the query does. The substituted variable must be in the query's projection; the
catalog checks that, the header and the SPARQL syntax when it loads, so a broken file stops the
service at start with the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import get_args

import pyoxigraph

from service.errors import NotFoundError, QueryParameterError, QuerySyntaxError
from service.resources import QUERIES_DIR
from service.store.base import QueryResult, Row, Store, Term

ParamType = TypingLiteral["iri", "string", "integer", "date"]
PARAM_TYPES: tuple[ParamType, ...] = get_args(ParamType)

_XSD_DATE = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#date")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD = re.compile(r"# ?(?P<key>title|description|param):\s*(?P<value>.*)")
_CONTINUATION = re.compile(r"#\s{2,}(?P<value>\S.*)")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SHOWN = 60  # characters of a rejected value quoted back in an error message


@dataclass(frozen=True, slots=True)
class Parameter:
    """One typed parameter of a named query; `name` is the SPARQL variable without `?`."""

    name: str
    type: ParamType
    description: str


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A query file after parsing: its header metadata and the SPARQL text."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str


# -- Header ---------------------------------------------------------------------------------


def _header_lines(text: str) -> Iterator[tuple[int, str]]:
    """The leading comment block with line numbers; it ends at the first non-comment line."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            return
        if stripped != "#":
            yield number, stripped


def _parse_parameter(value: str) -> Parameter:
    """`name type description` → Parameter; ValueError says what is wrong."""
    parts = value.split(maxsplit=2)
    if len(parts) < 3:
        raise ValueError(f"param needs 'name type description', got {value!r}")
    name, kind, description = parts
    if not _VARIABLE.fullmatch(name):
        raise ValueError(f"param name {name!r} is not a SPARQL variable name")
    if kind not in PARAM_TYPES:
        raise ValueError(f"unknown param type {kind!r} (expected one of {', '.join(PARAM_TYPES)})")
    return Parameter(name, kind, description)


def _parse_header(text: str) -> tuple[str, str, tuple[Parameter, ...]]:
    """Title, description and parameters; ValueError names the line that is wrong."""
    fields: list[list[str]] = []  # [key, value] pairs; continuations extend the last value
    for number, line in _header_lines(text):
        if (more := _CONTINUATION.fullmatch(line)) and fields:
            fields[-1][1] += " " + more["value"].strip()
        elif field := _FIELD.fullmatch(line):
            fields.append([field["key"], field["value"].strip()])
        else:
            raise ValueError(f"line {number}: expected '# title:', '# description:' or '# param:'")
    titles = [value for key, value in fields if key == "title"]
    descriptions = [value for key, value in fields if key == "description"]
    for key, found in (("title", titles), ("description", descriptions)):
        if len(found) != 1 or not found[0]:
            raise ValueError(f"the header needs exactly one non-empty '# {key}:' line")
    parameters = tuple(_parse_parameter(value) for key, value in fields if key == "param")
    names = [p.name for p in parameters]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"parameter {', '.join(twice)} is declared more than once")
    return titles[0], descriptions[0], parameters


# -- Parameter binding ----------------------------------------------------------------------


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= _SHOWN else raw[:_SHOWN] + "...")


def _to_iri(raw: str) -> Term:
    if not _SCHEME.match(raw.strip()):
        raise ValueError("an absolute IRI (with a scheme such as https:)")
    try:
        return pyoxigraph.NamedNode(raw.strip())
    except ValueError:
        raise ValueError("a valid absolute IRI") from None


def _to_string(raw: str) -> Term:
    return pyoxigraph.Literal(raw)


def _to_integer(raw: str) -> Term:
    if not _INTEGER.fullmatch(raw.strip()):
        raise ValueError("an integer")
    return pyoxigraph.Literal(int(raw))


def _to_date(raw: str) -> Term:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("a date as YYYY-MM-DD") from None
    return pyoxigraph.Literal(day.isoformat(), datatype=_XSD_DATE)


_CONVERTERS: dict[str, Callable[[str], Term]] = {
    "iri": _to_iri,
    "string": _to_string,
    "integer": _to_integer,
    "date": _to_date,
}

# A harmless value of each type, used to check at load time that parameters can be substituted.
_PLACEHOLDERS: dict[str, str] = {
    "iri": "urn:triskel:placeholder",
    "string": "",
    "integer": "0",
    "date": "2000-01-01",
}


def bind_parameters(query: NamedQuery, raw: Mapping[str, str]) -> dict[str, Term]:
    """Turn raw strings into the typed RDF terms the query declares.

    Raises `QueryParameterError` for an unknown name, a missing parameter or a value that is
    not of the declared type; nothing of the value ever reaches the query text.

    >>> query = NamedQuery("q", "Q", "d", (Parameter("n", "integer", "a number"),), "")
    >>> bind_parameters(query, {"n": "42"})
    {'n': <Literal value=42 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>}
    """
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        expected = ", ".join(declared) or "none"
        raise QueryParameterError(
            f"query {query.name!r} has no parameter {', '.join(unknown)} (expected: {expected})"
        )
    missing = [name for name in declared if name not in raw]
    if missing:
        raise QueryParameterError(f"query {query.name!r} needs parameter {', '.join(missing)}")
    bound: dict[str, Term] = {}
    for name, parameter in declared.items():
        try:
            bound[name] = _CONVERTERS[parameter.type](raw[name])
        except ValueError as exc:
            raise QueryParameterError(
                f"parameter {name!r} of query {query.name!r} must be {exc}, got {_shown(raw[name])}"
            ) from None
    return bound


# -- Loading --------------------------------------------------------------------------------


def _check_executes(query: NamedQuery) -> None:
    """Parse the query and substitute every parameter over an empty store.

    pyoxigraph raises SyntaxError for bad SPARQL and RuntimeError when a parameter's variable
    is not in the projection (it could then never be substituted); both become ValueError.
    """
    placeholders = {p.name: _PLACEHOLDERS[p.type] for p in query.parameters}
    substitutions: dict[pyoxigraph.Variable, Term | pyoxigraph.Triple] = {
        pyoxigraph.Variable(name): term
        for name, term in bind_parameters(query, placeholders).items()
    }
    try:
        answer = pyoxigraph.Store().query(query.text, substitutions=substitutions)
    except SyntaxError as exc:
        raise ValueError(f"SPARQL syntax {exc}") from exc
    except RuntimeError as exc:
        raise ValueError(f"a parameter must be a variable of the projection: {exc}") from exc
    if not isinstance(answer, pyoxigraph.QueryBoolean):
        list(answer)


def load_query(path: Path) -> NamedQuery:
    """Parse and check one `.rq` file; `QuerySyntaxError` names the file and the reason."""
    name = path.stem
    try:
        if not _NAME.fullmatch(name):
            raise ValueError("the file name must be kebab-case (a-z, 0-9, '-')")
        text = path.read_text(encoding="utf-8")
        title, description, parameters = _parse_header(text)
        query = NamedQuery(name, title, description, parameters, text)
        _check_executes(query)
    except ValueError as exc:
        raise QuerySyntaxError(f"{path}: {exc}") from exc
    return query


class Catalog:
    """The named queries of one directory, parsed once and looked up by name."""

    def __init__(self, queries: Mapping[str, NamedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def load(cls, directory: Path = QUERIES_DIR) -> Catalog:
        """Read every `*.rq` of `directory`; the first broken file raises `QuerySyntaxError`."""
        if not directory.is_dir():
            raise NotFoundError(f"{directory}: no such query directory")
        return cls({path.stem: load_query(path) for path in sorted(directory.glob("*.rq"))})

    def __iter__(self) -> Iterator[NamedQuery]:
        """The queries sorted by name (what `GET /queries` lists)."""
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def get(self, name: str) -> NamedQuery:
        """The query called `name`; `NotFoundError` if there is none."""
        try:
            return self._queries[name]
        except KeyError:
            raise NotFoundError(f"no named query {name!r}") from None

    def bind(self, name: str, raw_params: Mapping[str, str]) -> dict[str, Term]:
        """Typed RDF terms for the raw parameter strings of query `name`."""
        return bind_parameters(self.get(name), raw_params)

    def run(
        self, store: Store, name: str, params: Mapping[str, str], *, accept: str
    ) -> QueryResult:
        """Run query `name` with raw string parameters, serialised in the `accept` type."""
        substitutions = self.bind(name, params)
        return store.query(self.get(name).text, accept=accept, substitutions=substitutions)

    def select(self, store: Store, name: str, params: Mapping[str, str]) -> list[Row]:
        """Run a SELECT query `name` and return its rows as terms (for core callers)."""
        substitutions = self.bind(name, params)
        return store.select(self.get(name).text, substitutions=substitutions)
