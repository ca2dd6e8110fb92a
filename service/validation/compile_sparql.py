"""Compile one SHACL-SPARQL constraint (`sh:sparql` / `sh:select`) to one set-based query.

SHACL runs the SELECT once per focus node with `$this` (and `$currentShape`,
`$shapesGraph`) pre-bound. The compiled query runs once: the shape's targets bind `?this`,
joined with the shape's IRI as `?currentShape` and the shapes graph's name as
`?shapesGraph` when the query uses them (`rewrite.bind_targets`); shared derived relations
replace their patterns (`derived.substitute`); provably equivalent NOT EXISTS become MINUS
(`rewrite.not_exists_to_minus`), and their right sides get a fixed join order
(`joinplan.plan`); `$PATH` becomes the property shape's path, as in pySHACL.
MINUS, VALUES, SERVICE, sub-selects, aggregates, `?failure`, re-binding a pre-bound
variable, `$currentShape` of a blank-node shape raise `Unsupported`: the shape falls back to
pySHACL, which also reports the spec's errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef, Variable
from rdflib.namespace import OWL, SH
from rdflib.plugins.sparql.algebra import Join, ToMultiSet
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.rdflib_sparql import algebra
from service.validation.algebra_text import Unsupported, select
from service.validation.derived import Relation, substitute
from service.validation.joinplan import plan
from service.validation.rewrite import THIS, bind_targets, mentioned, not_exists_to_minus

_CURRENT_SHAPE, _SHAPES_GRAPH = Variable("currentShape"), Variable("shapesGraph")
_PREBOUND = (THIS, _CURRENT_SHAPE, _SHAPES_GRAPH)
_PATH = re.compile(r"[$?]PATH\b")

SHAPES_GRAPH_IRI = URIRef("urn:triskel:shapes-graph")
"""Where a run puts the shapes graph when a query reads `$shapesGraph`."""
_FORBIDDEN_NODES = (
    "ToMultiSet",
    "SubSelect",
    "Minus",
    "MinusGraphPattern",
    "values",
    "InlineData",
    "ServiceGraphPattern",
    "AggregateJoin",
    "Group",
)


def prefixes(graph: Graph, constraint: Node) -> str:
    """PREFIX lines from the `sh:declare`s of the constraint's `sh:prefixes` nodes and of
    the ontologies they `owl:imports` (SHACL §5.2.1), sorted by prefix: the order a graph
    gives them in changes between parses, and the compiled text is the key of its parse
    kept between processes (`service.rdflib_sparql`). A prefix declared with two namespaces
    is left to the reference engine."""
    holders = list(graph.objects(constraint, SH.prefixes))
    for holder in holders:
        holders.extend(i for i in graph.objects(holder, OWL.imports) if i not in holders)
    declared: dict[str, str] = {}
    for holder in holders:
        for declaration in graph.objects(holder, SH.declare):
            prefix = graph.value(declaration, SH.prefix)
            namespace = graph.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise Unsupported("incomplete sh:declare")
            if declared.setdefault(str(prefix), str(namespace)) != str(namespace):
                raise Unsupported(f"prefix {prefix} declared with two namespaces")
    return "\n".join(f"PREFIX {p}: <{n}>" for p, n in sorted(declared.items()))


@dataclass(frozen=True)
class SelectPlan:
    """A compiled SHACL-SPARQL constraint."""

    query: str
    written: str
    """The query before `joinplan.plan` fixed the join order of its MINUS sides."""
    relations: frozenset[str]
    """Names of the derived relations the query reads."""
    shapes_graph: bool
    """Whether the query reads the shapes graph (named graph `SHAPES_GRAPH_IRI`)."""


def compile_select(
    text: str,
    *,
    shape: Node,
    path_text: str | None,
    target: CompValue,
    relations: tuple[Relation, ...],
    use_minus: bool = True,
) -> SelectPlan:
    """The set-based form of one `sh:select` query of `shape`."""
    text = _PATH.sub(lambda _: _path(path_text), text)
    try:
        query = algebra(text)
    except Exception as exc:  # rdflib raises bare ParseException / Exception kinds
        raise Unsupported(f"query rdflib cannot parse: {exc}") from None
    top = query.algebra
    if top.name != "SelectQuery":
        raise Unsupported("sh:select is not a SELECT query")
    projection, pattern, distinct = _peel(top.p)
    if Variable("failure") in projection:
        raise Unsupported("?failure")
    _refuse_forbidden(pattern)
    if THIS not in projection:
        projection = (THIS, *projection)
    prebound = frozenset(_PREBOUND) & (mentioned(pattern) | set(projection))
    pattern = substitute(pattern, relations, frozenset(projection) | prebound)
    used = _relations_used(pattern)
    pattern = bind_targets(pattern, _with_context(target, prebound, shape), prebound)
    if use_minus:
        pattern = not_exists_to_minus(pattern)
    written = select(pattern, projection, distinct=distinct)
    planned = select(plan(pattern), projection, distinct=distinct) if use_minus else written
    return SelectPlan(planned, written, used, _SHAPES_GRAPH in prebound)


def _path(path_text: str | None) -> str:
    if path_text is None:
        raise Unsupported("$PATH outside a property shape")
    return path_text


def _with_context(target: CompValue, prebound: frozenset[Variable], shape: Node) -> CompValue:
    """The target pattern, plus the bindings of $currentShape and $shapesGraph if used."""
    row: dict[Variable, Node] = {}
    if _CURRENT_SHAPE in prebound:
        if not isinstance(shape, URIRef):
            raise Unsupported("$currentShape of a blank-node shape")
        row[_CURRENT_SHAPE] = shape
    if _SHAPES_GRAPH in prebound:
        row[_SHAPES_GRAPH] = SHAPES_GRAPH_IRI
    if not row:
        return target
    return Join(target, ToMultiSet(CompValue("values", res=[row])))


def _peel(node: CompValue) -> tuple[tuple[Variable, ...], CompValue, bool]:
    distinct = False
    if node.name in ("Distinct", "Reduced"):
        distinct, node = True, node.p
    if node.name != "Project":
        raise Unsupported(f"top-level {node.name}")
    pattern = node.p
    if pattern.name in ("OrderBy", "Slice"):
        raise Unsupported(pattern.name)
    return tuple(node.PV), pattern, distinct


def _refuse_forbidden(pattern: CompValue) -> None:
    """Constructs SHACL forbids (MINUS, VALUES, SERVICE, re-binding a pre-bound variable;
    pySHACL then reports the failure) or that this compiler leaves to pySHACL (sub-selects,
    aggregates)."""
    for node in _nodes(pattern):
        if node.name in _FORBIDDEN_NODES or node.name.startswith("Aggregate"):
            raise Unsupported(node.name)
        if node.name in ("Extend", "Bind") and node.var in _PREBOUND:
            raise Unsupported(f"AS ?{node.var}")


def _nodes(node: object) -> list[CompValue]:
    found: list[CompValue] = []
    if isinstance(node, CompValue):
        found.append(node)
        for key, value in node.items():
            if key != "_vars":
                found.extend(_nodes(value))
    elif isinstance(node, list | tuple):
        for item in node:
            found.extend(_nodes(item))
    return found


def _relations_used(pattern: CompValue) -> frozenset[str]:
    return frozenset(node.relation for node in _nodes(pattern) if node.name == "Derived")
