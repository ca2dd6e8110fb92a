"""Check SPARQL text with pyoxigraph's own parser, without touching any real store.

pyoxigraph parses a query eagerly and evaluates it lazily, so asking an empty in-memory
store parses the text, tells its form from the answer's type, and evaluates nothing. An
update is run against an empty in-memory store: its syntax errors are raised before any
operation runs, and what fails afterwards (a `DROP GRAPH` of a graph that empty store does
not have) says nothing about the text and is ignored. The remote store uses these checks so
that a syntax error never reaches the remote endpoint; the CLI uses `query_form` to pick an
answer format.

>>> query_form("PREFIX ex: <http://example.org/> ASK { ex:a ?p ?o }")
'ASK'
"""

from __future__ import annotations

from typing import Literal

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples
from pyoxigraph import Store as OxStore

from service.errors import QuerySyntaxError

QueryForm = Literal["SELECT", "ASK", "GRAPH"]
"""What a query answers: rows, a boolean, or triples (CONSTRUCT and DESCRIBE)."""


def query_syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """pyoxigraph's SPARQL `SyntaxError` ("error at 1:25: ...") as ours, position kept."""
    return QuerySyntaxError(f"SPARQL syntax {exc.msg or exc}")


def query_form(query: str) -> QueryForm:
    """The form of a query; `QuerySyntaxError` (with line:column) if it does not parse."""
    try:
        answer = OxStore().query(query)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    if isinstance(answer, QuerySolutions):
        return "SELECT"
    if isinstance(answer, QueryBoolean):
        return "ASK"
    assert isinstance(answer, QueryTriples)
    return "GRAPH"


def check_update_syntax(update: str) -> None:
    """`QuerySyntaxError` if the update does not parse; nothing else is checked."""
    try:
        OxStore().update(update)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    except (RuntimeError, OSError):
        return
