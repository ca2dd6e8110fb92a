"""The shapes to validate against: parsed once, never mutated, described per rule.

A `ShapePack` holds one rdflib Graph with every shape (the built-in rules of `shapes/` and/or
the user's files) and the metadata reports need per rule (label, business meaning, layers,
remediation, severity). Engines must treat `pack.graph` as read-only: pySHACL gets
`pack.pyshacl_graph()`, a private copy per run, because pySHACL keeps state on the shapes graph
and a shared one breaks under concurrent runs (pySHACL issue #314).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeGuard

from pyparsing import ParseException
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from service.errors import ShapesError
from service.namespaces import SB, SBSH
from service.rdf.closure import reachable
from service.resources import SHAPES_DIR
from service.validation.model import SEVERITIES, Severity, severity_name
from service.validation.rdfio import Source, parse, triples_to_graph
from service.validation.recursion import check_recursion

BUILTIN_FILES = (SHAPES_DIR / "alignment.ttl", SHAPES_DIR / "integrity.ttl")
ANALYTICS_RULES_FILE = SHAPES_DIR / "analytics.ttl"
"""The opt-in rules over network analytics R21-R24 (`TRISKEL_ANALYTICS_RULES`)."""

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_LAYER_NAMES = {
    SB.practiceLayer: "practice",
    SB.organizationLayer: "organization",
    SB.technologyLayer: "technology",
}


@dataclass(frozen=True)
class RuleInfo:
    """What a report says about a rule besides its findings."""

    rule: str
    shape: Node
    label: str
    comment: str
    layers: tuple[str, ...]
    remediation: str
    severity: Severity
    refuses_guarded_writes: bool = True
    """False when the rule's new findings never refuse a guarded write
    (`sbsh:refusesGuardedWrites false`: R24, the analytics out of date)."""


@dataclass(frozen=True)
class ShapePack:
    """Shapes parsed once. `rules` maps a rule id to its metadata (top-level shapes only)."""

    graph: Graph
    sources: tuple[str, ...]
    rules: Mapping[str, RuleInfo]
    _owner: Mapping[Node, Node] = field(repr=False)
    analytics: bool = False
    """Whether the pack holds the rules over analytics: a validation then reads the analytics
    values only while they describe the validated network (`service.validation.analytics`)."""

    def pyshacl_graph(self) -> Graph:
        """A private copy of the shapes graph for one pySHACL run.

        pySHACL reads the sh:declare of a sh:prefixes node but not of the ontologies it
        owl:imports (SHACL §5.2.1 says both), so the copy repeats the imported declarations on
        each sh:prefixes node.
        """
        copy = Graph()
        for prefix, namespace in self.graph.namespaces():
            copy.bind(prefix, namespace)
        for triple in self.graph:
            copy.add(triple)
        for holder in set(self.graph.objects(None, SH.prefixes)):
            for imported in _imports_closure(self.graph, holder) - {holder}:
                for declaration in self.graph.objects(imported, SH.declare):
                    copy.add((holder, SH.declare, declaration))
        return copy

    def prefixes_for(self, node: Node) -> dict[str, str]:
        """The prefixes a SPARQL-based constraint, validator or target may use: sh:declare of
        its sh:prefixes nodes and, transitively, of the ontologies those owl:imports."""
        return _prefixes(self.graph, node)

    def top_shape(self, shape: Node) -> Node:
        """The top-level shape a (possibly nested property) shape belongs to."""
        return self._owner.get(shape, shape)

    def rule_of(self, shape: Node) -> str:
        """The rule id of a result's source shape: the sh:name of its top-level node shape,
        else the top-level shape's IRI (or blank-node id) as a string."""
        return _rule_name(self.graph, self.top_shape(shape))

    def info(self, rule: str) -> RuleInfo | None:
        """Metadata of a rule id, None for a rule the pack does not describe."""
        return self.rules.get(rule)


def load_builtin(*, analytics: bool = False) -> ShapePack:
    """The product's rule pack R01-R20, with the rules over analytics R21-R24 when
    `analytics` (parsed once per process)."""
    return _builtin(analytics)


def builtin_files(*, analytics: bool = False) -> tuple[Path, ...]:
    """The files of the product's rule pack: R01-R20, and R21-R24 when `analytics`."""
    return (*BUILTIN_FILES, ANALYTICS_RULES_FILE) if analytics else BUILTIN_FILES


@lru_cache(maxsize=2)
def _builtin(analytics: bool = False) -> ShapePack:
    files = builtin_files(analytics=analytics)
    return _pack(_read(files), tuple(str(f) for f in files), analytics=analytics)


def from_files(
    paths: Iterable[Path], *, builtin: bool = True, analytics: bool = False
) -> ShapePack:
    """The user's shapes files, next to the built-in pack unless `builtin` is False (and the
    rules over analytics when `builtin` and `analytics`).

    Raises RDFSyntaxError / UnsupportedFormatError for an unreadable file and ShapesError for
    a file that defines no SHACL shape, has a SPARQL query that does not parse, or when no
    shapes are left at all.
    """
    return from_sources([Source.from_path(p) for p in paths], builtin=builtin, analytics=analytics)


def from_sources(
    sources: Iterable[Source], *, builtin: bool = True, analytics: bool = False
) -> ShapePack:
    """Like `from_files`, for shapes that arrive as bytes (an upload)."""
    user = list(sources)
    analytics = analytics and builtin
    if not user:
        if not builtin:
            raise ShapesError("no shapes: give a shapes file or keep the built-in rules")
        return load_builtin(analytics=analytics)
    base = _builtin(analytics)
    graph = Graph()
    if builtin:
        graph += base.graph
    for source in user:
        own = triples_to_graph(parse(source))
        _require_shapes(source.name, own)
        _check_sparql(source.name, own)
        graph += own
    names = (*(base.sources if builtin else ()), *(s.name for s in user))
    check_recursion(graph, ", ".join(s.name for s in user))
    return _pack(graph, names, analytics=analytics)


def _read(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        triples_to_graph(parse(Source.from_path(path)), graph)
    return graph


def _require_shapes(name: str, graph: Graph) -> None:
    if not any(True for _ in _shapes_in(graph)):
        raise ShapesError(
            f"{name}: not a SHACL shapes file (no sh:NodeShape, sh:PropertyShape or target)"
        )


def _check_sparql(name: str, graph: Graph) -> None:
    """Every SPARQL query of the file must parse with the prefixes it declares."""
    for predicate in (SH.select, SH.ask):
        for holder, text in graph.subject_objects(predicate):
            try:
                prepareQuery(str(text), initNs=_prefixes(graph, holder))
            except ParseException as exc:
                raise ShapesError(
                    f"{name}: SPARQL of {holder.n3()} does not parse: {exc}"
                ) from None
            except Exception as exc:  # rdflib raises a bare Exception for an unknown prefix
                raise ShapesError(f"{name}: SPARQL of {holder.n3()}: {exc}") from None


def _prefixes(graph: Graph, node: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for holder in graph.objects(node, SH.prefixes):
        for ontology in _imports_closure(graph, holder):
            for declaration in graph.objects(ontology, SH.declare):
                prefix = graph.value(declaration, SH.prefix)
                namespace = graph.value(declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    found[str(prefix)] = str(namespace)
    return found


def _imports_closure(graph: Graph, start: Node) -> set[Node]:
    return reachable(start, lambda node: graph.objects(node, OWL.imports))


def _shapes_in(graph: Graph) -> Iterator[Node]:
    seen: set[Node] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        seen.update(graph.subjects(RDF.type, kind))
    for predicate in _TARGETS:
        seen.update(graph.subjects(predicate, None))
    yield from seen


def _pack(graph: Graph, sources: tuple[str, ...], *, analytics: bool = False) -> ShapePack:
    owner = _owners(graph)
    tops = [s for s in _shapes_in(graph) if s not in owner]
    rules = {info.rule: info for info in (_info(graph, s) for s in tops)}
    return ShapePack(graph, sources, MappingProxyType(rules), MappingProxyType(owner), analytics)


def _rule_name(graph: Graph, top: Node) -> str:
    name = graph.value(top, SH.name)
    if name is not None and (top, RDF.type, SH.NodeShape) in graph:
        return str(name)
    return str(top)


def _owners(graph: Graph) -> dict[Node, Node]:
    """Nested property shape → its top-level shape (following sh:property transitively)."""
    parent = {child: node for node, child in graph.subject_objects(SH.property)}
    owner: dict[Node, Node] = {}
    for child in parent:
        top, hops = parent[child], 0
        while top in parent and hops < len(parent):
            top, hops = parent[top], hops + 1
        owner[child] = top
    return owner


def _is_layer(node: Node) -> TypeGuard[URIRef]:
    return isinstance(node, URIRef) and node in _LAYER_NAMES


def _info(graph: Graph, shape: Node) -> RuleInfo:
    layers = sorted(
        (_LAYER_NAMES[layer] for layer in graph.objects(shape, SB.layer) if _is_layer(layer)),
        key=list(_LAYER_NAMES.values()).index,
    )
    return RuleInfo(
        rule=_rule_name(graph, shape),
        shape=shape,
        label=_text(graph.value(shape, RDFS.label)),
        comment=_text(graph.value(shape, RDFS.comment)),
        layers=tuple(layers),
        remediation=_text(graph.value(shape, SBSH.remediation)),
        severity=_severity(graph, shape),
        refuses_guarded_writes=graph.value(shape, SBSH.refusesGuardedWrites) != Literal(False),
    )


def _severity(graph: Graph, shape: Node) -> Severity:
    """The most severe sh:severity on the shape or its property shapes (SHACL's default,
    sh:Violation, when none is given). SPARQL constraints report their shape's severity."""
    holders = [shape, *graph.objects(shape, SH.property)]
    found = {severity_name(s) for h in holders for s in graph.objects(h, SH.severity)}
    return next((s for s in SEVERITIES if s in found), "violation")


def _text(value: Node | None) -> str:
    return str(value) if isinstance(value, Literal | URIRef) else ""
