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

`algebra` parses each text once per process and, with a cache directory set (`use_cache`,
`TRISKEL_CACHE_DIR`), once per machine: pyparsing takes about 0.1-0.3 s a query, and the live
engine analyses some sixty compiled queries when it starts, which was most of a server's
start-up (6 s quiet, 15 s on a loaded machine) and of the test suite's time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache, lru_cache, wraps
from pathlib import Path
from types import MethodType
from typing import Any

import rdflib
from pyparsing import ParseResults
from rdflib import Literal
from rdflib.plugins.sparql import operators, parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import Comp, CompValue, Expr
from rdflib.plugins.sparql.sparql import Query

log = logging.getLogger(__name__)

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
    half its start-up. With a cache directory (`use_cache`) a text parsed by an earlier
    process is read back instead.

    >>> algebra("SELECT * { ?s ?p ?o }") is algebra("SELECT * { ?s ?p ?o }")
    True
    """
    stored = _CACHE.read(text)
    if stored is not None:
        return stored
    query = translateQuery(parser.parseQuery(text))
    _CACHE.write(text, query)
    return query


FORMAT = "1"
"""The layout of a cached algebra; a change makes every older file a miss."""


class _AlgebraCache:
    """Pickled algebras in one directory, a file per text named by the SHA-256 of the text,
    rdflib's version and `FORMAT`. The directory must be the service's own, as its store
    is: whoever can write it can make the service run code when it unpickles. A file that
    cannot be read back is a miss; a write goes to a temporary file renamed into place, so
    processes sharing the directory see a whole file or none."""

    def __init__(self) -> None:
        self.directory: Path | None = None

    def path(self, text: str) -> Path | None:
        if self.directory is None:
            return None
        key = hashlib.sha256(f"{FORMAT}\x1f{rdflib.__version__}\x1f{text}".encode())
        return self.directory / f"{key.hexdigest()}.pickle"

    def read(self, text: str) -> Query | None:
        path = self.path(text)
        if path is None or not path.is_file():
            return None
        try:
            query = pickle.loads(path.read_bytes())
        except Exception:  # a torn or foreign file is a miss, parsed again and rewritten
            log.debug("cached algebra %s unreadable; parsing again", path.name, exc_info=True)
            return None
        return query if isinstance(query, Query) else None

    def write(self, text: str, query: Query) -> None:
        path = self.path(text)
        if path is None:
            return
        buffer = io.BytesIO()
        try:
            _AlgebraPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(query)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                file.write(buffer.getvalue())
            os.replace(temporary, path)
        except (OSError, pickle.PicklingError, AttributeError) as exc:
            log.debug("algebra not cached (%s): parsed again by the next process", exc)


_CACHE = _AlgebraCache()


def use_cache(directory: Path | None) -> None:
    """Keep parsed algebras in `directory` (None: in memory only) from now on."""
    _CACHE.directory = directory


@cache
def _evaluators() -> dict[str, Callable[..., Any]]:
    """The function each evaluable node runs, by node name, as its grammar rule sets it: a
    node running its rule's function is stored with its name alone (a few of these are
    lambdas, which pickle cannot name) and bound to it again when read back; a node running
    another is stored with that function, by reference."""
    table = {c.name: c.evalfn for c in vars(parser).values() if isinstance(c, Comp) and c.evalfn}
    table[operators.TrueFilter.name] = operators.TrueFilter._evalfn.__func__  # type: ignore[union-attr]
    return table


class _AlgebraPickler(pickle.Pickler):
    """Pickles rdflib's algebra nodes, which the default protocol cannot read back: an
    `OrderedDict` subclass whose constructor needs its name, with an attribute lookup that
    answers None for anything, and evaluable nodes holding bound lambdas."""

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, CompValue):
            return NotImplemented
        state = dict(object.__getattribute__(obj, "__dict__"))
        name = state.pop("name")
        function = state.pop("_evalfn", None)
        if function is not None:
            own = function.__func__
            state["_evalfn"] = True if own is _evaluators().get(name) else own
        items = [(key, OrderedDict.__getitem__(obj, key)) for key in OrderedDict.keys(obj)]
        return _node, (type(obj), name), state, None, iter(items), _restore


def _node(kind: type[CompValue], name: str) -> CompValue:
    node = kind.__new__(kind)
    OrderedDict.__init__(node)
    object.__setattr__(node, "name", name)
    return node


def _restore(node: CompValue, state: dict[str, Any]) -> None:
    """Set a node's attributes back without its lookup (which answers None for anything,
    `__setstate__` included), binding an evaluable node to its rule's function."""
    for key, value in state.items():
        if key == "_evalfn":
            value = MethodType(_evaluators()[node.name] if value is True else value, node)
        object.__setattr__(node, key, value)
    if isinstance(node, Expr) and "_evalfn" not in state:
        object.__setattr__(node, "_evalfn", None)
