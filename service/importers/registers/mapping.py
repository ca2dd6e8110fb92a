"""An RML mapping (RML Turtle) read for what the importer must know before the engine runs:
its triples maps, the file each one reads (`rml:source`, matched by file name) and the
columns each needs, and the mapping rewritten to read prepared copies of those files.

The engine is told nothing but the rewritten mapping: which rows it sees is decided here
(`service.importers.registers`), never how a row becomes triples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from service.errors import InputError
from service.rdf.formats import rdf_format_named
from service.rdf.reader import read_quads

RR = "http://www.w3.org/ns/r2rml#"
RML = "http://semweb.mmlab.be/ns/rml#"
FNML = "http://semweb.mmlab.be/ns/fnml#"
LOGICAL_SOURCE = NamedNode(f"{RML}logicalSource")
SOURCE = NamedNode(f"{RML}source")
SUBJECT_MAP = NamedNode(f"{RR}subjectMap")
REFERENCE = NamedNode(f"{RML}reference")
TEMPLATE = NamedNode(f"{RR}template")
FUNCTION_VALUE = NamedNode(f"{FNML}functionValue")
PLACEHOLDER = re.compile(r"(?<!\\)\{([^{}]+)\}")
BASE = "urn:triskel:mapping:"
"""Where the base IRIs of mappings (for `<#People>`) start."""

Node = NamedNode | BlankNode


@dataclass(frozen=True, slots=True)
class TriplesMap:
    """One triples map: its node, the file name it reads, and the columns a row must have
    a value in for the map to make anything of it (those of its subject, of its templates
    and of its functions: the engine writes an empty one as the text `nan`); a column read
    only as a literal may be empty (no triple)."""

    node: Node
    file: str
    needed: tuple[str, ...]
    columns: frozenset[str]


@dataclass(frozen=True, slots=True)
class Mapping:
    """A parsed RML mapping."""

    triples: tuple[Triple, ...]
    maps: tuple[TriplesMap, ...]

    @property
    def files(self) -> frozenset[str]:
        """The file names the mapping's logical sources read."""
        return frozenset(m.file for m in self.maps)

    def rewritten(self, paths: dict[Node, str]) -> bytes:
        """The mapping as N-Triples with each triples map reading the file `paths` gives for
        it (each map its own logical source, so two maps of one file may read two copies)."""
        kept = [t for t in self.triples if t.predicate != LOGICAL_SOURCE]
        for triples_map in self.maps:
            logical = BlankNode()
            kept.append(Triple(triples_map.node, LOGICAL_SOURCE, logical))
            kept.append(Triple(logical, SOURCE, Literal(paths[triples_map.node])))
            for t in self._logical_source(triples_map.node):
                if t.predicate != SOURCE:
                    kept.append(Triple(logical, t.predicate, t.object))
        return serialize(kept, format=RdfFormat.N_TRIPLES) or b""

    def _logical_source(self, node: Node) -> list[Triple]:
        sources = {
            t.object for t in self.triples if t.subject == node and t.predicate == LOGICAL_SOURCE
        }
        return [t for t in self.triples if t.subject in sources]


def parse_mapping(data: bytes, name: str, base: str) -> Mapping:
    """An RML Turtle mapping, its relative IRIs resolved against `base` (one per mapping
    file, so the maps of two files never share a node); `InputError` for one that is not
    Turtle or has no triples map with a `rml:logicalSource` naming a file."""
    quads: list[Quad] = list(
        read_quads(
            data, rdf_format_named("turtle"), source=name, base_iri=base, rename_blank_nodes=True
        )
    )
    triples = tuple(q.triple for q in quads)
    out: dict[Node, list[Triple]] = {}
    for t in triples:
        if isinstance(t.subject, NamedNode | BlankNode):
            out.setdefault(t.subject, []).append(t)
    maps = tuple(_triples_map(node, out, name) for node in _map_nodes(triples))
    if not maps:
        raise InputError(f"{name}: no triples map with an rml:logicalSource (not an RML mapping)")
    return Mapping(triples, maps)


def _map_nodes(triples: tuple[Triple, ...]) -> list[Node]:
    """The triples maps in the order the mapping declares them (the first of a file is the
    one that makes its register's entity)."""
    nodes = dict.fromkeys(t.subject for t in triples if t.predicate == LOGICAL_SOURCE)
    return [n for n in nodes if isinstance(n, NamedNode | BlankNode)]


def _triples_map(node: Node, out: dict[Node, list[Triple]], name: str) -> TriplesMap:
    files = [
        t2.object.value
        for t in out.get(node, [])
        if t.predicate == LOGICAL_SOURCE and isinstance(t.object, NamedNode | BlankNode)
        for t2 in out.get(t.object, [])
        if t2.predicate == SOURCE and isinstance(t2.object, Literal)
    ]
    if len(files) != 1:
        raise InputError(f"{name}: triples map {node} has no single rml:source file name")
    needed: list[str] = []
    literal_only: list[str] = []
    for t in out.get(node, []):
        if t.predicate == LOGICAL_SOURCE:
            continue
        if t.predicate == SUBJECT_MAP:
            _columns(t.object, out, needed, needed, set())
        else:
            _columns(t.object, out, needed, literal_only, set())
    ordered = tuple(dict.fromkeys(needed))
    return TriplesMap(
        node, PurePath(files[0]).name, ordered, frozenset(ordered) | frozenset(literal_only)
    )


def _columns(
    node: object,
    out: dict[Node, list[Triple]],
    needed: list[str],
    references: list[str],
    seen: set[object],
) -> None:
    """Collect the columns below a term map: templates and function inputs into `needed`,
    plain references into `references` (the subject map passes `needed` for both)."""
    if not isinstance(node, NamedNode | BlankNode) or node in seen:
        return
    seen.add(node)
    for t in out.get(node, []):
        value = t.object
        if t.predicate == TEMPLATE and isinstance(value, Literal):
            needed.extend(PLACEHOLDER.findall(value.value))
        elif t.predicate == REFERENCE and isinstance(value, Literal):
            references.append(value.value)
        elif t.predicate == FUNCTION_VALUE:
            _columns(value, out, needed, needed, seen)
        else:
            _columns(value, out, needed, references, seen)
