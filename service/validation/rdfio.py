"""RDF sources for validation, and terms between pyoxigraph and rdflib.

Every input (data, shapes, the ontology) is read by the one guarded reader of
`service.rdf.reader` (pyoxigraph: fast, never fetches, every guard the store's uploads get)
and named in its errors as the store names them: `RDFSyntaxError(source=..., line=...)`,
`UnsupportedFormatError`, `TooLargeError`. Terms cross to rdflib with the same blank-node
ids, so a finding from either engine names the same node.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from service.rdf.formats import rdf_format_for_path, rdf_format_named
from service.rdf.reader import MAX_BYTES, load_into, rdf_files, read_file, read_quads
from service.rdf.textguard import MAX_NESTING


@dataclass(frozen=True)
class Source:
    """One RDF document: its name (for error messages), bytes, format name, the base IRI
    its relative IRIs resolve against (None: relative IRIs are a syntax error), and the
    deepest bracket nesting the reader accepts in it (`TRISKEL_MAX_RDF_NESTING` for what a
    client posts, so `/validate` reads with the limit `/store` does)."""

    name: str
    content: bytes
    format: str
    base: str | None = None
    max_nesting: int = MAX_NESTING

    @classmethod
    def from_path(
        cls, path: Path, *, max_bytes: int = MAX_BYTES, max_nesting: int = MAX_NESTING
    ) -> Source:
        """Read a regular file of at most `max_bytes`; the format comes from its extension,
        the base is the file's URI."""
        fmt = rdf_format_for_path(path)
        content = read_file(path, max_bytes=max_bytes)
        return cls(str(path), content, fmt.name, path.resolve().as_uri(), max_nesting)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders replaced by their RDF files (sorted, not recursive)."""
    return rdf_files(paths)


def parse(source: Source) -> list[ox.Triple]:
    """All triples of a source (named graphs are merged into one graph), blank nodes renamed
    apart from any other source's.

    Raises RDFSyntaxError naming the source and line, UnsupportedFormatError for the format.
    """
    fmt = rdf_format_named(source.format)
    quads = read_quads(
        source.content,
        fmt,
        source=source.name,
        base_iri=source.base,
        rename_blank_nodes=True,
        max_nesting=source.max_nesting,
    )
    return [quad.triple for quad in quads]


def load(store: ox.Store, source: Source) -> None:
    """Load a source into the store's default graph, all or nothing (same errors as `parse`).
    Blank nodes get fresh ids per source, so two files never share one by accident."""
    fmt = rdf_format_named(source.format)
    load_into(
        store,
        source.content,
        fmt,
        source=source.name,
        base_iri=source.base,
        max_nesting=source.max_nesting,
    )


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The rdflib term for a pyoxigraph term (blank-node ids kept)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported RDF term {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term (blank-node ids kept)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is None or term.datatype == RDF.langString:
            return ox.Literal(str(term))
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    raise TypeError(f"unsupported RDF term {term!r}")


def triples_to_graph(triples: Iterable[ox.Triple], graph: Graph | None = None) -> Graph:
    """Add pyoxigraph triples to an rdflib Graph (a new one unless given)."""
    target = Graph() if graph is None else graph
    for t in triples:
        target.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
    return target


class QuadSink:
    """Statements given as rdflib terms (`add`, as to a Graph) kept as pyoxigraph quads of
    one graph: for writers of many small descriptions, where an rdflib Graph's indexes and
    the conversion back cost more than the statements (a first ledger of 25k findings spent
    4 s there)."""

    def __init__(self, graph: str) -> None:
        self.graph = ox.NamedNode(graph)
        self.quads: list[ox.Quad] = []

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        s, p, o = (to_oxigraph(term) for term in triple)
        self.quads.append(ox.Quad(s, p, o, self.graph))  # type: ignore[arg-type]


def graph_to_triples(graph: Graph) -> Iterator[ox.Triple]:
    """The triples of an rdflib Graph as pyoxigraph triples."""
    for s, p, o in graph:
        yield ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
