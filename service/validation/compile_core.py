"""Compile the SHACL Core constraints our shapes use to set-based SPARQL (one query each).

Supported: `sh:minCount`, `sh:maxCount`, `sh:class`, `sh:disjoint`, `sh:hasValue`, `sh:in`,
`sh:nodeKind`, `sh:uniqueLang`, on property shapes (predicate or SHACL path) and, where
SHACL allows, on node shapes. Each query projects `?this` (the focus node) and, for
components whose results name a value node, `?value` — the fields pySHACL reports.
Anything else is `Unsupported`. Anti-joins are written with MINUS: the shared variables are
bound on both sides, so MINUS and FILTER NOT EXISTS agree (and pyoxigraph runs MINUS as a
hash anti-join).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from service.validation.algebra_text import Unsupported, term

INSTANCE_OF = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}


@dataclass(frozen=True)
class CoreQuery:
    """One compiled Core constraint: query text, its component, whether rows carry ?value."""

    query: str
    component: URIRef
    has_value: bool


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL property path (SHACL §2.3.1) as a SPARQL property path."""
    if isinstance(path, URIRef):
        return term(path)
    if isinstance(path, BNode):
        if (path, RDF.first, None) in graph:
            return "(" + "/".join(path_text(graph, p) for p in Collection(graph, path)) + ")"
        for predicate, pattern in _PATH_FORMS.items():
            inner = graph.value(path, predicate)
            if inner is not None:
                return pattern(graph, inner)
    raise Unsupported(f"path {path!r}")


def _alternative(graph: Graph, items: Node) -> str:
    return "(" + "|".join(path_text(graph, p) for p in Collection(graph, items)) + ")"


_PATH_FORMS: dict[URIRef, Callable[[Graph, Node], str]] = {
    SH.inversePath: lambda g, p: f"^{path_text(g, p)}",
    SH.alternativePath: _alternative,
    SH.zeroOrMorePath: lambda g, p: f"({path_text(g, p)})*",
    SH.oneOrMorePath: lambda g, p: f"({path_text(g, p)})+",
    SH.zeroOrOnePath: lambda g, p: f"({path_text(g, p)})?",
}


def core_query(
    graph: Graph, parameter: URIRef, argument: Node, *, target: str, path: str | None
) -> CoreQuery | None:
    """The query for one constraint parameter of a shape (`path` None for a node shape);
    None for a constraint that is switched off (`sh:uniqueLang` other than true)."""
    if parameter == SH.uniqueLang and path:
        return _unique_lang(target, path) if _is_true(argument) else None
    values = f"{target} ?this {path} ?value ." if path else f"{target} BIND(?this AS ?value)"
    if parameter == SH.minCount and path:
        return CoreQuery(
            _min_count(target, path, _integer(argument)), SH.MinCountConstraintComponent, False
        )
    if parameter == SH.maxCount and path:
        query = (
            f"SELECT ?this WHERE {{ {target} ?this {path} ?value . }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {_integer(argument)})"
        )
        return CoreQuery(query, SH.MaxCountConstraintComponent, False)
    if parameter == SH["class"]:
        instances = f"?value {INSTANCE_OF} {term(argument)}"
        query = f"SELECT ?this ?value WHERE {{ {{ {values} }} MINUS {{ {instances} }} }}"
        return CoreQuery(query, SH.ClassConstraintComponent, True)
    if parameter == SH.disjoint and path:
        query = f"SELECT ?this ?value WHERE {{ {values} ?this {term(argument)} ?value . }}"
        return CoreQuery(query, SH.DisjointConstraintComponent, True)
    if parameter == SH.hasValue:
        return _has_value(argument, target=target, path=path)
    if parameter == SH["in"]:
        members = " || ".join(f"sameTerm(?value, {term(m)})" for m in Collection(graph, argument))
        query = f"SELECT ?this ?value WHERE {{ {values} FILTER(!({members or 'false'})) }}"
        return CoreQuery(query, SH.InConstraintComponent, True)
    if parameter == SH.nodeKind and argument in _NODE_KINDS:
        query = f"SELECT ?this ?value WHERE {{ {values} FILTER(!{_NODE_KINDS[argument]}) }}"
        return CoreQuery(query, SH.NodeKindConstraintComponent, True)
    raise Unsupported(f"{parameter} {argument!r}")


def _min_count(target: str, path: str, count: int) -> str:
    if count == 1:
        return f"SELECT ?this WHERE {{ {target} MINUS {{ ?this {path} ?value . }} }}"
    return (
        f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?value . }} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {count})"
    )


def _has_value(argument: Node, *, target: str, path: str | None) -> CoreQuery:
    if path:
        query = f"SELECT ?this WHERE {{ {target} MINUS {{ ?this {path} {term(argument)} . }} }}"
        return CoreQuery(query, SH.HasValueConstraintComponent, False)
    test = f"FILTER(!sameTerm(?this, {term(argument)}))"
    query = f"SELECT ?this ?value WHERE {{ {target} BIND(?this AS ?value) {test} }}"
    return CoreQuery(query, SH.HasValueConstraintComponent, True)


def _unique_lang(target: str, path: str) -> CoreQuery:
    """One result per focus node with two values sharing a non-empty language tag."""
    same = '!sameTerm(?value, ?other) && lang(?value) != "" && lang(?value) = lang(?other)'
    query = (
        f"SELECT DISTINCT ?this WHERE {{ {target} ?this {path} ?value . "
        f"?this {path} ?other . FILTER({same}) }}"
    )
    return CoreQuery(query, SH.UniqueLangConstraintComponent, False)


def _is_true(node: Node) -> bool:
    """Only the literal "true"^^xsd:boolean switches a boolean parameter on (SHACL §4.4.2
    names `true`; "1"^^xsd:boolean is another lexical form and leaves it off)."""
    return isinstance(node, Literal) and node.datatype == XSD.boolean and str(node) == "true"


def _integer(node: Node) -> int:
    if isinstance(node, Literal) and isinstance(node.value, int) and node.value >= 0:
        return node.value
    raise Unsupported(f"count {node!r}")
