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
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from rdflib.plugins.sparql import parser

_LOCK = threading.Lock()


def _serialised(parse: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(parse)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return parse(*args, **kwargs)

    locked.serialised = True  # type: ignore[attr-defined]
    return locked


def install() -> None:
    """Serialise `parse_string` of rdflib's query and update grammars (idempotent)."""
    for grammar in (parser.Query, parser.UpdateUnit):
        if not getattr(grammar.parse_string, "serialised", False):
            grammar.parse_string = _serialised(grammar.parse_string)  # type: ignore[method-assign]
