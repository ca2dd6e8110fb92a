"""rdflib's SPARQL parser, one parse at a time in the whole process.

rdflib parses SPARQL with pyparsing, which learns the arity of each parse action on the
action's first call. Two threads making that first call at once can record a wrong arity,
and from then on every parse through that grammar rule fails, in the whole process
(`TypeError: <lambda>() missing 1 required positional argument`). The load test showed it
with concurrent validations: every later validation answered 500. Our own code parses
SPARQL with rdflib (compiling shapes, checking user shapes and `LOAD` updates), and so does
pySHACL inside `Graph.query`; all of it goes through two grammar entry points, `Query` and
`UpdateUnit`. `install()` puts both under one lock. A parse takes milliseconds, and pySHACL's
validation is bound by the GIL anyway, so the lock costs nothing measurable.

`install()` also mends one parse action: rdflib 7 builds a negative decimal (`-0.5`) by
negating the parsed literal, and `Literal.__neg__` raises `TypeError` for an `xsd:decimal`,
so a valid query or update holding one failed to parse with an error no caller expects (a
fuzzed `INSERT DATA { ... -0.5 } ; LOAD <...>` answered 500 instead of the policy's 403).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from pyparsing import ParseResults
from rdflib import Literal
from rdflib.plugins.sparql import parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.sparql import Query

_LOCK = threading.Lock()


def _serialised(parse: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(parse)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return parse(*args, **kwargs)

    locked.serialised = True  # type: ignore[attr-defined]
    return locked


def _negative_decimal(tokens: ParseResults) -> Literal:
    """`-` and a decimal: the decimal literal with the sign written into its lexical form.

    >>> install()
    >>> where = parser.parseQuery("SELECT * { ?s ?p -0.5 }")[1]["where"]
    >>> where["part"][0]["triples"][0][2].n3()
    '"-0.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    """
    literal: Literal = tokens[0]
    return Literal(f"-{literal}", datatype=literal.datatype)


def install() -> None:
    """Serialise `parse_string` of rdflib's query and update grammars and mend the negative
    decimal's parse action (idempotent)."""
    parser.DECIMAL_NEGATIVE.set_parse_action(_negative_decimal)
    for grammar in (parser.Query, parser.UpdateUnit):
        if not getattr(grammar.parse_string, "serialised", False):
            grammar.parse_string = _serialised(grammar.parse_string)  # type: ignore[method-assign]


@lru_cache(maxsize=1024)
def algebra(text: str) -> Query:
    """rdflib's algebra of a query, parsed once per process for each text and shared: callers
    never change it (rewrites copy the nodes they change, `rewrite.copy_node`). The live
    engine analyses and restricts the same compiled queries: parsing each of them twice was
    half its start-up.

    >>> algebra("SELECT * { ?s ?p ?o }") is algebra("SELECT * { ?s ?p ?o }")
    True
    """
    return translateQuery(parser.parseQuery(text))
