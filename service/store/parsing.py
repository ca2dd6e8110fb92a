"""Parse an upload completely, with pyoxigraph's strict parsers, before anything is written.

Parsing first is what makes loads all-or-nothing: a syntax error is found before the store is
touched, and is reported as `RDFSyntaxError` with the source, line and column the parser
gives. Quads are confined to the target graph: triples land in it, and a dataset upload
(N-Quads, TriG, JSON-LD) may name only that graph; a quad for any other graph is an
`InputError` rather than a silent write elsewhere (unless the caller keeps the file's graphs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import IO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, parse

from service.errors import InputError, RDFSyntaxError, TooLargeError
from service.store.formats import Format
from service.store.textguard import MAX_NESTING, check_nesting
from service.store.xmlguard import check_xml

GraphName = NamedNode | BlankNode | DefaultGraph

_POSITION = re.compile(r"line (\d+) column (\d+)")


def read_body(data: bytes | IO[bytes]) -> bytes:
    """The whole upload as bytes: every load parses all of it before writing anything."""
    return data if isinstance(data, bytes) else b"".join(iter(partial(data.read, 1 << 20), b""))


def graph_node(graph: str | None) -> NamedNode | DefaultGraph:
    """The pyoxigraph graph name for an IRI string (`None`: the default graph)."""
    if graph is None:
        return DefaultGraph()
    try:
        return NamedNode(graph)
    except ValueError as exc:
        raise InputError(f"invalid graph IRI {graph!r}: {exc}") from None


def syntax_error(exc: SyntaxError, source: str | None) -> InputError:
    """Translate pyoxigraph's `SyntaxError` into ours, keeping line and column.

    pyoxigraph puts the start position in `lineno`/`offset` for the text formats; for the
    others the message may still say "line L column C", which is read as a fallback.
    """
    message = str(exc.msg if exc.msg else exc)
    if "LoadDocumentCallback" in message or "remote context" in message:
        return InputError(
            f"{source or 'upload'}: JSON-LD remote contexts are not fetched; inline the @context"
        )
    line, column = exc.lineno, exc.offset
    found = _POSITION.search(message)
    if line is None and found:
        line, column = int(found.group(1)), int(found.group(2))
    return RDFSyntaxError(message, source=source, line=line, column=column)


def term_too_large(exc: MemoryError, source: str | None) -> TooLargeError:
    """pyoxigraph caps one token (a literal, an IRI) at 16 MB and says so by `MemoryError`."""
    return TooLargeError(f"{source or 'upload'}: {exc} (one term over the parser's limit)")


@dataclass(frozen=True, slots=True)
class Checked:
    """What a validating parse found: how many quads, and which graphs they name."""

    quads: int
    graphs: frozenset[GraphName]


def guard(data: bytes, fmt: Format, *, source: str | None, max_nesting: int) -> None:
    """Refuse what would make a parser or the code after it blow up, before parsing:
    XML entity bombs and deep elements (`check_xml`), deep brackets (`check_nesting`)."""
    if fmt.oxigraph == RdfFormat.RDF_XML:
        check_xml(data, source=source)
    check_nesting(data, fmt.media_type, limit=max_nesting, source=source)


def check_rdf(
    data: bytes,
    fmt: Format,
    *,
    graph: str | None,
    source: str | None = None,
    keep_graphs: bool = False,
    max_nesting: int = MAX_NESTING,
) -> Checked:
    """Parse all of `data` once, keeping nothing but a count, to prove it can be loaded.

    Raises `RDFSyntaxError` for invalid data, `InputError`/`TooLargeError` from `guard`
    (nesting over `max_nesting`), and, unless `keep_graphs`, `InputError` for a quad naming
    a graph other than the target. The store then parses the same bytes again
    while writing (the parse is ~10% of a bulk load; a list of Python quads would cost
    more time and ten times the memory).
    """
    target = graph_node(graph)
    guard(data, fmt, source=source, max_nesting=max_nesting)
    named: set[GraphName] = set()
    count = 0
    try:
        for quad in parse(data, fmt.oxigraph, base_iri=base_iri_of(graph)):
            count += 1
            name = quad.graph_name
            if name not in named:
                named.add(name)
                if not keep_graphs and name != target and not isinstance(name, DefaultGraph):
                    raise InputError(
                        f"{source or 'upload'}: a quad names graph {name} but the upload "
                        f"targets {_shown(target)}; upload each graph to its own target"
                    )
    except SyntaxError as exc:
        raise syntax_error(exc, source) from None
    except MemoryError as exc:
        raise term_too_large(exc, source) from None
    return Checked(count, frozenset(named) if keep_graphs else frozenset({target}))


def base_iri_of(graph: str | None) -> str | None:
    """Relative IRIs in an upload resolve against the target graph's IRI (as in the GSP)."""
    return graph


def _shown(graph: GraphName) -> str:
    """A graph name for messages."""
    return "the default graph" if isinstance(graph, DefaultGraph) else str(graph)
