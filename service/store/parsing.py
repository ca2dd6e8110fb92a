"""Parse an upload completely, with pyoxigraph's strict parsers, before anything is written.

Parsing first is what makes loads all-or-nothing: a syntax error is found before the store is
touched, and is reported as `RDFSyntaxError` with the source, line and column the parser
gives. Quads are confined to the target graph: triples land in it, and a dataset upload
(N-Quads, TriG, JSON-LD) may name only that graph; a quad for any other graph is an
`InputError` rather than a silent write elsewhere (unless the caller keeps the file's graphs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, parse

from service.errors import ForbiddenOperationError, InputError, RDFSyntaxError
from service.store.formats import Format

GraphName = NamedNode | BlankNode | DefaultGraph

_POSITION = re.compile(r"line (\d+) column (\d+)")


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
        return ForbiddenOperationError(
            f"{source or 'upload'}: JSON-LD remote contexts are not fetched; inline the @context"
        )
    line, column = exc.lineno, exc.offset
    found = _POSITION.search(message)
    if line is None and found:
        line, column = int(found.group(1)), int(found.group(2))
    return RDFSyntaxError(message, source=source, line=line, column=column)


def parse_quads(
    data: bytes | IO[bytes],
    fmt: Format,
    *,
    graph: str | None,
    source: str | None = None,
    keep_graphs: bool = False,
    base_iri: str | None = None,
) -> list[Quad]:
    """All the quads of `data`, placed in `graph` (or in their own graphs with `keep_graphs`).

    Raises `RDFSyntaxError` for invalid data and `InputError` for a quad that names a graph
    other than the target.
    """
    target = graph_node(graph)
    try:
        parsed = list(parse(data, fmt.oxigraph, base_iri=base_iri))
    except SyntaxError as exc:
        raise syntax_error(exc, source) from None
    if keep_graphs:
        return parsed
    return list(_confined(parsed, target, source))


def _confined(quads: Iterable[Quad], target: GraphName, source: str | None) -> Iterable[Quad]:
    """Move default-graph quads into `target`; refuse quads that name another graph."""
    for quad in quads:
        name = quad.graph_name
        if isinstance(name, DefaultGraph):
            yield Quad(quad.subject, quad.predicate, quad.object, target)
        elif name == target:
            yield quad
        else:
            raise InputError(
                f"{source or 'upload'}: a quad names graph {name} but the upload targets "
                f"{_shown(target)}; upload each graph to its own target"
            )


def _shown(graph: GraphName) -> str:
    """A graph name for messages."""
    return "the default graph" if isinstance(graph, DefaultGraph) else str(graph)
