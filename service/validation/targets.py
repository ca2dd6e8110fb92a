"""A shape's focus nodes as one SPARQL pattern binding `?this` (SHACL §2.1.3).

`sh:targetClass C` → instances of C or of a subclass (`rdf:type/rdfs:subClassOf*`), a shape
that is itself an `rdfs:Class` targets its instances too (implicit class target),
`sh:targetNode n` → n, `sh:targetSubjectsOf p` / `sh:targetObjectsOf p` → subjects / objects
of p. The pattern is a `SELECT DISTINCT ?this` sub-select, so joining it never multiplies rows.
SPARQL-based targets (`sh:target`) are not compiled.
"""

from __future__ import annotations

from typing import cast

from rdflib import BNode, Graph, Variable
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import MulPath, SequencePath
from rdflib.plugins.sparql.algebra import BGP, Project, ToMultiSet, Union
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Identifier, Node

from service.validation.algebra_text import Unsupported
from service.validation.rewrite import THIS

_ANY = Variable("_target_any")
_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_INSTANCE_OF = SequencePath(RDF.type, MulPath(RDFS.subClassOf, "*"))


def has_targets(graph: Graph, shape: Node) -> bool:
    """Whether the shape declares any target (explicit or implicit)."""
    return bool(_declared(graph, shape)) or (shape, SH.target, None) in graph


def target_pattern(graph: Graph, shape: Node) -> CompValue:
    """The algebra of `{ SELECT DISTINCT ?this WHERE { ...targets... } }`."""
    if (shape, SH.target, None) in graph:
        raise Unsupported("SPARQL-based target")
    parts = _declared(graph, shape)
    if not parts:
        raise Unsupported("shape without targets")
    union = parts[0]
    for part in parts[1:]:
        union = Union(union, part)
    return ToMultiSet(CompValue("Distinct", p=Project(union, [THIS])))


def _declared(graph: Graph, shape: Node) -> list[CompValue]:
    values = [o for p in _TARGET_PREDICATES for o in graph.objects(shape, p)]
    if any(isinstance(v, BNode) for v in values):
        raise Unsupported("a blank node as a target")  # not nameable in a query
    parts: list[CompValue] = []
    classes = list(graph.objects(shape, SH.targetClass))
    if not isinstance(shape, BNode) and _is_class(graph, shape):
        classes.append(shape)
    parts.extend(_bgp(THIS, _INSTANCE_OF, c) for c in classes)
    nodes = list(graph.objects(shape, SH.targetNode))
    if nodes:
        parts.append(ToMultiSet(CompValue("values", res=[{THIS: n} for n in nodes])))
    parts.extend(_bgp(THIS, p, _ANY) for p in graph.objects(shape, SH.targetSubjectsOf))
    parts.extend(_bgp(_ANY, p, THIS) for p in graph.objects(shape, SH.targetObjectsOf))
    return parts


def _bgp(subject: object, predicate: object, obj: object) -> CompValue:
    """One triple pattern; rdflib's algebra takes paths and variables where its type hints
    say identifiers."""
    return BGP([cast(tuple[Identifier, Identifier, Identifier], (subject, predicate, obj))])


def _is_class(graph: Graph, shape: Node) -> bool:
    return any((shape, RDF.type, kind) in graph for kind in (RDFS.Class, OWL.Class))
