"""Read RDF sources for validation and convert terms between pyoxigraph and rdflib.

Every input (data, shapes, the ontology) is parsed by pyoxigraph: it is fast, never fetches
remote JSON-LD contexts, and reports syntax errors with a line number. Formats and syntax
errors are named as the store names them (`service.store.formats`, `service.store.parsing`):
`RDFSyntaxError(source=..., line=...)`, `UnsupportedFormatError`. Terms cross to rdflib with
the same blank-node ids, so a finding from either engine names the same node.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from service.store.formats import rdf_format_for_path, rdf_format_named
from service.store.parsing import syntax_error

DATA_SUFFIXES = frozenset({".ttl", ".nt", ".jsonld", ".rdf"})
"""The files a data folder contributes (DESIGN: a folder = its *.ttl/*.nt/*.jsonld/*.rdf)."""


@dataclass(frozen=True)
class Source:
    """One RDF document: its name (for error messages), bytes, format name, and the base IRI
    its relative IRIs resolve against (None: relative IRIs are a syntax error)."""

    name: str
    content: bytes
    format: str
    base: str | None = None

    @classmethod
    def from_path(cls, path: Path) -> Source:
        """Read a file; the format comes from its extension, the base is the file's URI."""
        return cls(str(path), path.read_bytes(), format_of(path), path.resolve().as_uri())


def format_of(path: Path) -> str:
    """The format name of a file, from its extension; UnsupportedFormatError otherwise."""
    return rdf_format_for_path(path).name


def rdf_format(name: str) -> ox.RdfFormat:
    """The pyoxigraph format for a format name, extension or media type."""
    return rdf_format_named(name).oxigraph


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders replaced by their data files (sorted, not recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in DATA_SUFFIXES))
        else:
            files.append(path)
    return files


def parse(source: Source) -> list[ox.Triple]:
    """All triples of a source (named graphs are merged into one graph).

    Raises RDFSyntaxError naming the source and line, UnsupportedFormatError for the format.
    """
    fmt = rdf_format(source.format)
    try:
        quads = ox.parse(source.content, fmt, base_iri=source.base, rename_blank_nodes=True)
        return [q.triple for q in quads]
    except SyntaxError as exc:
        raise syntax_error(exc, source.name) from None


def load(store: ox.Store, source: Source) -> None:
    """Load a source into the store's default graph, all or nothing (same errors as `parse`).
    Blank nodes get fresh ids per source, so two files never share one by accident."""
    fmt = rdf_format(source.format)
    try:
        store.load(source.content, fmt, base_iri=source.base, to_graph=ox.DefaultGraph())
    except SyntaxError as exc:
        raise syntax_error(exc, source.name) from None


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


def graph_to_triples(graph: Graph) -> Iterator[ox.Triple]:
    """The triples of an rdflib Graph as pyoxigraph triples."""
    for s, p, o in graph:
        yield ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
