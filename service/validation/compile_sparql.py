"""Compile one SHACL-SPARQL constraint (`sh:sparql` / `sh:select`) to one set-based query.

SHACL runs the SELECT once per focus node with `$this` pre-bound. The compiled query runs
once: the shape's targets bind `?this` (`rewrite.bind_targets`), shared derived relations
replace their patterns (`derived.substitute`), provably equivalent NOT EXISTS become MINUS
(`rewrite.not_exists_to_minus`). `$currentShape` becomes the shape's IRI and `$PATH` the
property shape's path. Anything else special — `$shapesGraph`, MINUS, VALUES, SERVICE,
aggregates, `?failure`, a blank-node shape that needs `$currentShape` — raises
`Unsupported` and the shape falls back to pySHACL, which also reports the spec's errors.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import OWL, SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.validation.algebra_text import Unsupported, select
from service.validation.derived import Relation, substitute
from service.validation.rewrite import THIS, bind_targets, not_exists_to_minus

_PREBOUND = (Variable("this"), Variable("currentShape"), Variable("shapesGraph"))
_SPECIAL = re.compile(r"[$?](shapesGraph|currentShape|PATH)\b")
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
    the ontologies they `owl:imports` (SHACL §5.2.1)."""
    holders = list(graph.objects(constraint, SH.prefixes))
    for holder in holders:
        holders.extend(i for i in graph.objects(holder, OWL.imports) if i not in holders)
    lines = []
    for holder in holders:
        for declaration in graph.objects(holder, SH.declare):
            prefix = graph.value(declaration, SH.prefix)
            namespace = graph.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise Unsupported("incomplete sh:declare")
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines)


def compile_select(
    text: str,
    *,
    shape: Node,
    path_text: str | None,
    target: CompValue,
    relations: tuple[Relation, ...],
    use_minus: bool = True,
) -> tuple[str, tuple[Variable, ...], frozenset[str]]:
    """The set-based query text, its projection and the derived relations it reads."""
    text = _SPECIAL.sub(lambda m: _special(m.group(1), shape, path_text), text)
    try:
        query = translateQuery(parseQuery(text))
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
    pattern = substitute(pattern, relations, frozenset(projection))
    used = _relations_used(pattern, relations)
    pattern = bind_targets(pattern, target)
    if use_minus:
        pattern = not_exists_to_minus(pattern)
    return select(pattern, projection, distinct=distinct), projection, used


def _special(name: str, shape: Node, path_text: str | None) -> str:
    if name == "currentShape" and isinstance(shape, URIRef):
        return f"<{shape}>"
    if name == "PATH" and path_text is not None:
        return path_text
    raise Unsupported(f"${name}")


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


def _relations_used(pattern: CompValue, relations: tuple[Relation, ...]) -> frozenset[str]:
    predicates = {p for node in _nodes(pattern) if node.name == "BGP" for _, p, _ in node.triples}
    return frozenset(r.name for r in relations if r.predicate in predicates)


def message_vars(messages: tuple[Literal, ...]) -> set[Variable]:
    """Variables named by `{?x}` / `{$x}` in message templates."""
    return {Variable(m) for text in messages for m in re.findall(r"\{[$?](\w+)\}", str(text))}
