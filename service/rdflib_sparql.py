"""rdflib's SPARQL parser, one caller at a time.

rdflib parses SPARQL with pyparsing, which learns the arity of each parse action on the
action's first call. Two threads making that first call at once can record a wrong arity,
and from then on every parse through that grammar rule fails, in the whole process
(`TypeError: <lambda>() missing 1 required positional argument`): the load test showed it
with concurrent validations, each compiling shapes. So every rdflib SPARQL parse of the
service goes through these functions, under one lock. A parse takes milliseconds, and no
query is *run* by rdflib here (pyoxigraph runs them), so the lock costs nothing measurable.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.sparql import Query

_LOCK = threading.Lock()


def parse_query(text: str) -> Any:
    """`rdflib.plugins.sparql.parser.parseQuery`, serialised."""
    with _LOCK:
        return parseQuery(text)


def parse_update(text: str) -> Any:
    """`rdflib.plugins.sparql.parser.parseUpdate`, serialised."""
    with _LOCK:
        return parseUpdate(text)


def prepare_query(text: str, init_ns: Mapping[str, Any] | None = None) -> Query:
    """`rdflib.plugins.sparql.prepareQuery`, serialised."""
    with _LOCK:
        return prepareQuery(text, initNs=dict(init_ns or {}))
