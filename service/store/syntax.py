"""Check SPARQL text with pyoxigraph's own parser, without touching any real store.

pyoxigraph parses a query eagerly and evaluates it lazily, so asking an empty in-memory
store parses the text, tells its form from the answer's type, and evaluates nothing. An
update is given to an empty store opened read-only (`_parser`): pyoxigraph parses the whole
text, raising its syntax errors, and then fails to start the transaction, before any
operation runs. Running it on an empty writable store instead evaluated its patterns: a
`WHERE` of three 1,000-value `VALUES` blocks needs no data and computed for minutes. The
remote store uses these checks so that a syntax error never reaches the remote endpoint; the
CLI uses `query_form` to pick an answer format.

>>> query_form("PREFIX ex: <http://example.org/> ASK { ex:a ?p ?o }")
'ASK'
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Literal

from pyoxigraph import BlankNode, NamedNode, QueryBoolean, QuerySolutions, QueryTriples, Triple
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import Store as OxStore
from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from service import rdflib_sparql
from service.errors import ForbiddenOperationError, InputError, QuerySyntaxError
from service.store.scan import (
    check_nesting,
    check_operations,
    check_triple_terms,
    evaluates_patterns,
    extension_functions,
    silence_refused_services,
)
from service.store.sparqltokens import tokens

rdflib_sparql.install()  # text with LOAD or SERVICE is parsed by rdflib, on any thread

FunctionValue = NamedNode | BlankNode | OxLiteral | Triple | None
"""What a pyoxigraph custom function may return (None: an evaluation error)."""
QueryForm = Literal["SELECT", "ASK", "GRAPH"]
"""What a query answers: rows, a boolean, or triples (CONSTRUCT and DESCRIBE)."""


def query_syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """pyoxigraph's SPARQL `SyntaxError` ("error at 1:25: ...") as ours, position kept."""
    return QuerySyntaxError(f"SPARQL syntax {exc.msg or exc}")


def _evaluation_error(*_: object) -> FunctionValue:
    """An unknown function's value: none, which the engine treats as an evaluation error."""
    return None


def unknown_functions(
    query: str, base_iri: str | None = None
) -> dict[NamedNode, Callable[..., FunctionValue]]:
    """pyoxigraph `custom_functions` making every extension function the query calls an error.

    pyoxigraph refuses a query that calls a function it does not know; SPARQL 1.1 §17.1 says
    such a call is an evaluation error (a `BIND` leaves its variable unbound, a `FILTER`
    rejects the row), so each one gets a function that returns no value.
    """
    functions: dict[NamedNode, Callable[..., FunctionValue]] = {}
    for iri in extension_functions(query, base_iri):
        try:
            functions[NamedNode(iri)] = _evaluation_error
        except ValueError:
            continue  # not an absolute IRI: the parser reports it
    return functions


def query_form(query: str, base_iri: str | None = None) -> QueryForm:
    """The form of a query; `QuerySyntaxError` (with line:column) if it does not parse.

    `InputError` when it parses but the engine cannot run it, is nested too deep for the
    engine's parser to survive (`check_nesting`) or writes RDF 1.2 triple terms
    (`check_triple_terms`).
    """
    check_nesting(query)
    check_triple_terms(query)
    try:
        functions = unknown_functions(query, base_iri)
        answer = OxStore().query(query, base_iri=base_iri, custom_functions=functions)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    except RuntimeError as exc:
        raise InputError(f"the query cannot be run: {exc}") from None
    if isinstance(answer, QuerySolutions):
        return "SELECT"
    if isinstance(answer, QueryBoolean):
        return "ASK"
    assert isinstance(answer, QueryTriples)
    return "GRAPH"


def silenced(query: str, *, allowed_hosts: str) -> str:
    """The query to evaluate: each `SERVICE SILENT` the policy would refuse replaced by the
    empty group, the answer of a service that failed silently
    (`scan.silence_refused_services`); `QuerySyntaxError` when the text as sent does not
    parse.

    The text as sent is checked because the rewrite drops the service's pattern, syntax
    errors included; it is only parsed, by rdflib's parser (it names a service, so no engine
    may evaluate it). Text nested too deep for a parser is refused first (`check_nesting`).

    >>> silenced("ASK { SERVICE SILENT <http://x/> { ?s ?p ?o } }", allowed_hosts="")
    'ASK { {} }'
    >>> try:
    ...     silenced("ASK { SERVICE SILENT <http://x/> { ?s ?p } }", allowed_hosts="")
    ... except QuerySyntaxError as exc:
    ...     print(exc)
    SPARQL syntax error at 1:7: Expected AskQuery
    """
    check_nesting(query)
    evaluated = silence_refused_services(query, allowed_hosts=allowed_hosts)
    if evaluated != query:
        _parse_only(query, parseQuery)
    return evaluated


def check_update_syntax(update: str, base_iri: str | None = None) -> None:
    """`QuerySyntaxError` if the update does not parse; nothing of it runs anywhere.

    An update that names no outside source is parsed by pyoxigraph itself (`_parser`). One
    with `LOAD` or `SERVICE` is parsed by rdflib's parser, and the policy check that follows
    decides on it. Text nested too deep is refused first (`check_nesting`),
    then text with RDF 1.2 triple terms (`check_triple_terms`).
    """
    check_nesting(update)
    check_triple_terms(update)
    try:
        check_operations(update, allowed_hosts="")
    except ForbiddenOperationError:
        _parse_only(update)
        return
    try:
        _parser().update(update, base_iri=base_iri)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    except (RuntimeError, OSError):
        return  # parsed; the read-only store refused to run it


@lru_cache(maxsize=1)
def _parser() -> OxStore:
    """An empty store opened read-only, whose `update` parses and never runs anything.

    Its folder is deleted at once: a read-only RocksDB reads its files when it opens, and
    an update fails before reading any data, so nothing is left behind, even after a crash.
    """
    folder = tempfile.mkdtemp(prefix="triskel-parser-")
    try:
        OxStore(folder).flush()  # the writable store is closed again when this line ends
        return OxStore.read_only(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def operation_failure(
    update: str, graphs: Iterable[str], base_iri: str | None = None
) -> str | None:
    """Why a well-formed update fails by SPARQL 1.1 Update's own rules on a store holding
    the named `graphs`, or None if it does not.

    Those rules (`DROP`/`CLEAR`/`MOVE` of an absent graph, `CREATE` of a present one,
    without `SILENT`) depend on which graphs exist, not on what they hold, so the update is
    run on an in-memory store holding the same graphs, empty. The remote store asks this
    when its endpoint refused an update, to tell such a failure from a fault of the
    endpoint. An update that mentions `LOAD` or `SERVICE` is never run here (it could fetch),
    nor one that evaluates a pattern (`evaluates_patterns`): on no data at all, `VALUES`
    blocks alone can keep it computing for minutes, in this process.

    >>> operation_failure("DROP GRAPH <http://ex/g>", [])
    'The graph <http://ex/g> does not exist'
    >>> operation_failure("DROP GRAPH <http://ex/g>", ["http://ex/g"]) is None
    True
    """
    if evaluates_patterns(update):
        return None
    try:
        check_operations(update, allowed_hosts="")
    except ForbiddenOperationError:
        return None
    store = OxStore()
    for graph in graphs:
        store.add_graph(NamedNode(graph))
    try:
        store.update(update, base_iri=base_iri)
    except (SyntaxError, OSError):
        return None
    except RuntimeError as exc:
        return str(exc)
    return None


def _parse_only(text: str, parse: Callable[[str], object] = parseUpdate) -> None:
    """Parse with rdflib's SPARQL grammar (an update's, or `parseQuery`) without evaluating
    anything.

    Two differences from the engine are taken out first, neither changing the syntax:
    rdflib ends a comment at LF only, the engine at CR too, so each CR is read as LF (outside
    strings both are whitespace; a long string takes either); and rdflib's `SERVICE` rule
    searches the whole text again for each service, which recurses without end on a nested
    one, so each is read as `GRAPH` (`_services_as_graphs`).

    The parse runs on a thread of its own. pyparsing leaves the exceptions it backtracks on
    in reference cycles with their frames, and each frame links to its caller's: parsed on
    the caller's thread, those cycles kept the caller's frames alive, and with them the
    pyoxigraph answers a store method later held in its locals; the garbage collector then
    freed those on another thread, which pyoxigraph refuses (an error in the log)."""
    with ThreadPoolExecutor(1, thread_name_prefix="sparql-parse") as parser:
        error = parser.submit(_syntax_error, parse, text).result()
    if error is not None:
        raise QuerySyntaxError(error)


def _syntax_error(parse: Callable[[str], object], text: str) -> str | None:
    """rdflib's syntax error for `text`, with its position, or None when it parses."""
    try:
        parse(_services_as_graphs(text).replace("\r", "\n"))
    except ParseException as exc:
        return f"SPARQL syntax error at {exc.lineno}:{exc.col}: {exc.msg}"
    return None


def _services_as_graphs(text: str) -> str:
    """The text with each `SERVICE` or `SERVICE SILENT` written `GRAPH`: the two patterns
    have the same grammar (a keyword, then `VarOrIri GroupGraphPattern`).

    >>> _services_as_graphs("ASK { service SILENT <http://x/> { SERVICE ?s {} } }")
    'ASK { GRAPH <http://x/> { GRAPH ?s {} } }'
    """
    found = tokens(text)
    cuts: list[tuple[int, int]] = []
    for index, token in enumerate(found):
        if token.kind == "name" and token.text.upper() == "SERVICE":
            last = found[index + 1] if index + 1 < len(found) else token
            if last.kind != "name" or last.text.upper() != "SILENT":
                last = token
            cuts.append((token.start, last.start + len(last.text)))
    for start, end in reversed(cuts):
        text = f"{text[:start]}GRAPH{text[end:]}"
    return text
