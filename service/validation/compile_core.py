"""Compile SHACL Core constraints to set-based SPARQL (one query per constraint).

Supported (SHACL §4): value type `sh:class`, `sh:nodeKind`; cardinality `sh:minCount`,
`sh:maxCount`; value range `sh:minInclusive` … `sh:maxExclusive`; string `sh:minLength`,
`sh:maxLength`, `sh:pattern` (+ `sh:flags`), `sh:languageIn`, `sh:uniqueLang`; property
pairs `sh:equals`, `sh:disjoint`, `sh:lessThan`, `sh:lessThanOrEquals`; other `sh:in`,
`sh:hasValue` — on property shapes (predicate or SHACL path) and, where SHACL allows, on
node shapes. Each query projects `?this` (the focus node) and, for components whose results
name a value node, `?value` — the fields pySHACL reports. Anything else (`sh:datatype`, the
logical and shape-based constraints, `sh:closed`, qualified shapes) is `Unsupported`.
Anti-joins are MINUS: the shared variables are bound on both sides, so MINUS and
FILTER NOT EXISTS agree (and pyoxigraph runs MINUS as a hash anti-join).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from service.validation.algebra_text import Unsupported, constant, term

INSTANCE_OF = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_NODE_KINDS: dict[Node, str] = {
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
    graph: Graph, shape: Node, parameter: URIRef, argument: Node, *, target: str, path: str | None
) -> CoreQuery | None:
    """The query for one constraint parameter of a shape (`path` None for a node shape);
    None for a constraint that is switched off (`sh:uniqueLang` other than true)."""
    values = f"{target} ?this {path} ?value ." if path else f"{target} BIND(?this AS ?value)"
    if parameter in _VALUE_TESTS:
        component, test = _VALUE_TESTS[parameter]
        query = (
            f"SELECT ?this ?value WHERE {{ {values} FILTER(!({test(graph, shape, argument)})) }}"
        )
        return CoreQuery(query, component, True)
    if parameter == SH.uniqueLang and path:
        return _unique_lang(target, path) if _is_true(argument) else None
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
        instances = f"?value {INSTANCE_OF} {constant(argument)}"
        query = f"SELECT ?this ?value WHERE {{ {{ {values} }} MINUS {{ {instances} }} }}"
        return CoreQuery(query, SH.ClassConstraintComponent, True)
    if parameter == SH.hasValue:
        return _has_value(argument, target=target, path=path)
    if path and parameter in _PAIR_TESTS:
        return _pair(parameter, argument, target=target, path=path)
    raise Unsupported(f"{parameter} {argument!r} on a {'property' if path else 'node'} shape")


def _pair(parameter: URIRef, other: Node, *, target: str, path: str) -> CoreQuery:
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals: values against the values
    of another property of the same focus node."""
    mine, theirs = f"?this {path} ?value .", f"?this {constant(other)} ?value ."
    component, query = _PAIR_TESTS[parameter], ""
    if parameter == SH.equals:
        one_way = f"{{ {{ {target} {mine} }} MINUS {{ {theirs} }} }}"
        other_way = f"{{ {{ {target} {theirs} }} MINUS {{ {mine} }} }}"
        query = f"SELECT ?this ?value WHERE {{ {one_way} UNION {other_way} }}"
    elif parameter == SH.disjoint:
        query = f"SELECT ?this ?value WHERE {{ {target} {mine} {theirs} }}"
    else:
        op = "<" if parameter == SH.lessThan else "<="
        pairs = f"{mine} ?this {constant(other)} ?other ."
        test = f"FILTER(!COALESCE(?value {op} ?other, false))"
        query = f"SELECT ?this ?value WHERE {{ {target} {pairs} {test} }}"
    return CoreQuery(query, component, True)


def _min_count(target: str, path: str, count: int) -> str:
    if count == 1:
        return f"SELECT ?this WHERE {{ {target} MINUS {{ ?this {path} ?value . }} }}"
    return (
        f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?value . }} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {count})"
    )


def _has_value(argument: Node, *, target: str, path: str | None) -> CoreQuery:
    if path:
        query = f"SELECT ?this WHERE {{ {target} MINUS {{ ?this {path} {constant(argument)} . }} }}"
        return CoreQuery(query, SH.HasValueConstraintComponent, False)
    test = f"FILTER(!sameTerm(?this, {constant(argument)}))"
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


def _in(graph: Graph, _: Node, members: Node) -> str:
    tests = [f"sameTerm(?value, {constant(m)})" for m in Collection(graph, members)]
    return " || ".join(tests) or "false"


def _node_kind(_: Graph, __: Node, kind: Node) -> str:
    if kind not in _NODE_KINDS:
        raise Unsupported(f"sh:nodeKind {kind!r}")
    return _NODE_KINDS[kind]


def _compare(op: str) -> Callable[[Graph, Node, Node], str]:
    """A range test: a comparison that cannot be made (an IRI, another type) fails it."""
    return lambda _, __, bound: f"COALESCE(?value {op} {constant(bound)}, false)"


def _length(op: str) -> Callable[[Graph, Node, Node], str]:
    """A length test: blank nodes fail it, others compare the length of their string."""
    return lambda _, __, n: f"!isBlank(?value) && STRLEN(STR(?value)) {op} {_integer(n)}"


def _pattern(graph: Graph, shape: Node, pattern: Node) -> str:
    flags = graph.value(shape, SH.flags)
    arguments = ", ".join(term(Literal(str(x))) for x in (pattern, flags) if x is not None)
    return f"!isBlank(?value) && REGEX(STR(?value), {arguments})"


def _language_in(graph: Graph, _: Node, tags: Node) -> str:
    matches = [
        f"langMatches(lang(?value), {term(Literal(str(t)))})" for t in Collection(graph, tags)
    ]
    return f"isLiteral(?value) && ({' || '.join(matches) or 'false'})"


_VALUE_TESTS: dict[URIRef, tuple[URIRef, Callable[[Graph, Node, Node], str]]] = {
    SH["in"]: (SH.InConstraintComponent, _in),
    SH.nodeKind: (SH.NodeKindConstraintComponent, _node_kind),
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, _compare(">=")),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, _compare("<=")),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, _compare(">")),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, _compare("<")),
    SH.minLength: (SH.MinLengthConstraintComponent, _length(">=")),
    SH.maxLength: (SH.MaxLengthConstraintComponent, _length("<=")),
    SH.pattern: (SH.PatternConstraintComponent, _pattern),
    SH.languageIn: (SH.LanguageInConstraintComponent, _language_in),
}
"""Constraints that test each value node alone: parameter → (component, passing test)."""

_PAIR_TESTS: dict[URIRef, URIRef] = {
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
}

CORE_PARAMETERS = (
    *_VALUE_TESTS, *_PAIR_TESTS, SH.minCount, SH.maxCount, SH["class"], SH.hasValue, SH.uniqueLang,
)  # fmt: skip
"""Every constraint parameter this module compiles."""


def _integer(node: Node) -> int:
    if isinstance(node, Literal) and isinstance(node.value, int) and node.value >= 0:
        return node.value
    raise Unsupported(f"count {node!r}")
