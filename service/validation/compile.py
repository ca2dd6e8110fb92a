"""Compile a `ShapePack` once into set-based queries, plus the shapes left to pySHACL.

A root shape (one with targets) is compiled whole or not at all: if any of its constraints,
property shapes or targets is outside what `compile_sparql` / `compile_core` support, the
root falls back to pySHACL, with the reason recorded — never a silently missing result.
The fallback shapes graph is the pack's graph minus the targets of compiled roots, so
pySHACL evaluates exactly the other roots (compiled shapes stay available to `sh:node`).
The pack's graph is only read.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal as Kind
from typing import TypedDict

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.validation.algebra_text import Unsupported, group
from service.validation.compile_core import CORE_PARAMETERS, core_query, path_text
from service.validation.compile_sparql import compile_select, prefixes
from service.validation.derived import Relation, relations
from service.validation.model import Severity, severity_name
from service.validation.shapes import ShapePack
from service.validation.targets import has_targets, target_pattern

ValueFrom = Kind["value", "value-or-focus", "none"]

_NOT_CONSTRAINTS = frozenset(
    {
        SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property,
        SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.path, SH.order,
        SH.group, SH.defaultValue, SH.sparql, SH.declare, SH.prefixes, SH.flags,
    }
)  # fmt: skip


class _Common(TypedDict):
    """What every constraint of one shape shares."""

    shape: Node
    rule: str
    severity: Severity
    path: URIRef | None


@dataclass(frozen=True)
class CompiledConstraint:
    """One set-based query and how its rows become findings."""

    query: str
    shape: Node
    rule: str
    severity: Severity
    component: URIRef
    path: URIRef | None
    messages: tuple[Literal, ...]
    value_from: ValueFrom
    relations: frozenset[str]
    shapes_graph: bool = False
    """Whether the query reads the shapes graph (`$shapesGraph`)."""
    written_query: str | None = None
    """The query before its MINUS sides got a fixed join order (None: the same)."""

    @property
    def written(self) -> str:
        """The query as the live re-checks restrict and analyse it: the fixed join order
        of a whole run would keep them from reaching its patterns (`joinplan`)."""
        return self.written_query or self.query


@dataclass(frozen=True)
class CompiledPack:
    """Everything a run needs; built once per `ShapePack` and shared by concurrent runs."""

    constraints: tuple[CompiledConstraint, ...]
    relations: tuple[Relation, ...]
    fallback: Mapping[Node, str]
    """Root shapes left to pySHACL → why."""
    _fallback_triples: tuple[tuple[Node, Node, Node], ...] = field(repr=False)
    _namespaces: tuple[tuple[str, URIRef], ...] = field(repr=False)

    def fallback_graph(self) -> Graph:
        """A private shapes graph for one pySHACL run over the fallback roots (with the
        pack's prefix bindings, which pySHACL also consults for SPARQL prefixes)."""
        graph = Graph()
        for prefix, namespace in self._namespaces:
            graph.bind(prefix, namespace)
        for triple in self._fallback_triples:
            graph.add(triple)
        return graph

    def reads_shapes_graph(self) -> bool:
        """Whether a run must put the shapes graph next to the data."""
        return any(c.shapes_graph for c in self.constraints)

    def relations_used(self) -> tuple[Relation, ...]:
        """The derived relations the queries read, in materialisation order."""
        wanted = {name for c in self.constraints for name in c.relations}
        return tuple(r for r in self.relations if r.name in wanted)


_CACHE: weakref.WeakKeyDictionary[Graph, dict[bool, CompiledPack]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def compile_pack(pack: ShapePack, *, use_minus: bool = True) -> CompiledPack:
    """The compiled form of `pack` (cached while the pack's graph lives)."""
    with _CACHE_LOCK:
        cached = _CACHE.get(pack.graph, {}).get(use_minus)
    if cached is not None:
        return cached
    compiled = _compile(pack, use_minus=use_minus)
    with _CACHE_LOCK:
        _CACHE.setdefault(pack.graph, {})[use_minus] = compiled
    return compiled


def _compile(pack: ShapePack, *, use_minus: bool) -> CompiledPack:
    graph = pack.graph
    constraints: list[CompiledConstraint] = []
    fallback: dict[Node, str] = {}
    for root in sorted(_roots(graph), key=str):
        try:
            constraints.extend(_root(pack, root, use_minus=use_minus))
        except Unsupported as exc:
            fallback[root] = str(exc)
    compiled_roots = set(_roots(graph)) - set(fallback)
    kept = tuple(t for t in graph if not _is_compiled_target(graph, t, compiled_roots))
    namespaces = tuple((prefix, URIRef(ns)) for prefix, ns in graph.namespaces())
    return CompiledPack(
        tuple(constraints), relations(), MappingProxyType(fallback), kept, namespaces
    )


def _roots(graph: Graph) -> set[Node]:
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        shapes.update(graph.subjects(predicate, None))
    shapes.update(graph.subjects(SH.target, None))
    return {s for s in shapes if has_targets(graph, s) and not _deactivated(graph, s)}


def _is_compiled_target(graph: Graph, triple: tuple[Node, Node, Node], roots: set[Node]) -> bool:
    subject, predicate, obj = triple
    if subject not in roots:
        return False
    if predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        return True
    return predicate == RDF.type and obj in (RDFS.Class, OWL.Class)


def _deactivated(graph: Graph, node: Node) -> bool:
    value = graph.value(node, SH.deactivated)
    return isinstance(value, Literal) and value.value is True


def _root(pack: ShapePack, root: Node, *, use_minus: bool) -> list[CompiledConstraint]:
    graph = pack.graph
    target = target_pattern(graph, root)
    found = _shape_constraints(pack, root, target, use_minus=use_minus)
    for child in graph.objects(root, SH.property):
        if graph.value(child, SH.path) is None:
            raise Unsupported("a property shape without sh:path")
        if not _deactivated(graph, child):
            found.extend(_shape_constraints(pack, child, target, use_minus=use_minus))
    return found


def _shape_constraints(
    pack: ShapePack, shape: Node, target: CompValue, *, use_minus: bool
) -> list[CompiledConstraint]:
    graph = pack.graph
    path_node = graph.value(shape, SH.path)
    path = path_text(graph, path_node) if path_node is not None else None
    _refuse_unknown_parameters(graph, shape, nested=path is not None)
    common: _Common = {
        "shape": shape,
        "rule": pack.rule_of(shape),
        "severity": severity_name(graph.value(shape, SH.severity)),
        "path": path_node if isinstance(path_node, URIRef) else None,
    }
    shape_messages = _messages(graph, shape)
    found: list[CompiledConstraint] = []
    target_text = group(target)
    for parameter in CORE_PARAMETERS:
        for argument in graph.objects(shape, parameter):
            core = core_query(graph, shape, parameter, argument, target=target_text, path=path)
            if core is None:
                continue
            found.append(
                CompiledConstraint(
                    core.query, component=core.component,
                    messages=shape_messages or _default_message(graph, parameter, argument),
                    value_from="value" if core.has_value else "none",
                    relations=frozenset(), **common,
                )
            )  # fmt: skip
    for constraint in graph.objects(shape, SH.sparql):
        if not _deactivated(graph, constraint):
            found.append(_sparql(pack, shape, constraint, target, path, common, use_minus))
    return found


def _sparql(
    pack: ShapePack,
    shape: Node,
    constraint: Node,
    target: CompValue,
    path: str | None,
    common: _Common,
    use_minus: bool,
) -> CompiledConstraint:
    graph = pack.graph
    texts = list(graph.objects(constraint, SH.select))
    if len(texts) != 1 or not isinstance(texts[0], Literal):
        raise Unsupported("sh:sparql without exactly one sh:select")
    query_text = f"{prefixes(graph, constraint)}\n{texts[0]}"
    plan = compile_select(
        query_text,
        shape=shape,
        path_text=path,
        target=target,
        relations=relations(),
        use_minus=use_minus,
    )
    messages = _messages(graph, constraint) or _messages(graph, shape)
    value_from: ValueFrom = "value" if path is not None else "value-or-focus"
    return CompiledConstraint(
        plan.query,
        component=SH.SPARQLConstraintComponent,
        messages=messages,
        value_from=value_from,
        relations=plan.relations,
        shapes_graph=plan.shapes_graph,
        written_query=plan.written if plan.written != plan.query else None,
        **common,
    )


def _refuse_unknown_parameters(graph: Graph, shape: Node, *, nested: bool) -> None:
    """Any SHACL parameter (or custom component parameter) we do not compile → fallback."""
    custom = _custom_parameters(graph)
    for predicate in set(graph.predicates(shape, None)):
        if predicate in custom:
            raise Unsupported(f"custom constraint component parameter {predicate}")
        is_shacl = str(predicate).startswith(str(SH))
        if is_shacl and predicate not in _NOT_CONSTRAINTS and predicate not in CORE_PARAMETERS:
            raise Unsupported(f"{predicate}")
        if nested and predicate == SH.property:
            raise Unsupported("property shapes inside a property shape")


def _custom_parameters(graph: Graph) -> set[Node]:
    """Parameter paths of constraint components declared in the graph (of any subclass of
    sh:ConstraintComponent, so found by their sh:parameter)."""
    return {
        path
        for _, parameter in graph.subject_objects(SH.parameter)
        for path in graph.objects(parameter, SH.path)
    }


def _default_message(graph: Graph, parameter: URIRef, argument: Node) -> tuple[Literal, ...]:
    """A message for a Core constraint whose shape has none: the constraint itself."""
    names = graph.namespace_manager
    if isinstance(argument, URIRef):
        shown = names.normalizeUri(argument)
    else:
        shown = str(argument) if isinstance(argument, Literal) else "(…)"
    return (Literal(f"{{$this}} does not satisfy {names.normalizeUri(parameter)} {shown}"),)


def _messages(graph: Graph, node: Node) -> tuple[Literal, ...]:
    found = [m for m in graph.objects(node, SH.message) if isinstance(m, Literal)]
    found.sort(key=lambda m: (m.language not in (None, "en"), str(m)))
    return tuple(found)
