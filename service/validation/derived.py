"""Derived relations that several rules share, computed once per run instead of per query.

Each relation is a file `derived/<name>.rq`: a `SELECT ?s ?o` over one basic graph pattern
(DESIGN §4 "member of", "prohibited for"). A run materialises the pairs into the scratch
graph `GRAPH_IRI` of its private copy of the data as `?s <urn:triskel:derived:<name>> ?o`;
the compiler replaces every occurrence of the pattern in a rule's query by that one triple
when the replacement is exact: the pattern's inner variables (`?policy`, `?org`) occur
nowhere else in the query scope and are not projected, so dropping them changes no result
of a `SELECT` whose rows SHACL treats as a set.

Property paths with `*` inside (NOT) EXISTS are what makes pyoxigraph slow (it re-walks the
closure for every row); after the rewrite the rules only look up materialised pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import BGP, Graph, Join
from rdflib.plugins.sparql.parserutils import CompValue

from service.validation.algebra_text import exists_pattern, group
from service.validation.rewrite import Var, _copy, _is_var, possible

DEFINITIONS_DIR = Path(__file__).parent / "derived"
GRAPH_IRI = URIRef("urn:triskel:derived")
RELATION_PREFIX = "urn:triskel:derived:"

_S, _O = Variable("s"), Variable("o")
Triple = tuple[Any, Any, Any]


@dataclass(frozen=True)
class Relation:
    """One derived relation: its name, predicate IRI and defining triple patterns."""

    name: str
    predicate: URIRef
    triples: tuple[Triple, ...]

    def materialise_update(self, relations: tuple[Relation, ...]) -> str:
        """SPARQL Update that fills the scratch graph (using relations filled before it)."""
        pattern = substitute(BGP(list(self.triples)), relations, frozenset({_S, _O}))
        head = f"GRAPH <{GRAPH_IRI}> {{ ?s <{self.predicate}> ?o }}"
        return f"INSERT {{ {head} }} WHERE {group(pattern)}"


@lru_cache(maxsize=1)
def relations() -> tuple[Relation, ...]:
    """All definitions, smallest first (the order they are materialised in)."""
    found = [_relation(path) for path in sorted(DEFINITIONS_DIR.glob("*.rq"))]
    return tuple(sorted(found, key=lambda r: (len(r.triples), r.name)))


def _relation(path: Path) -> Relation:
    query = prepareQuery(path.read_text(encoding="utf-8"))
    project = query.algebra.p
    pattern = project.p
    if project.name != "Project" or set(project.PV) != {_S, _O} or pattern.name != "BGP":
        raise ValueError(f"{path.name}: expected SELECT ?s ?o over one basic graph pattern")
    return Relation(path.stem, URIRef(RELATION_PREFIX + path.stem), tuple(pattern.triples))


# -- replacing patterns by derived triples --


def substitute(
    node: CompValue, available: tuple[Relation, ...], protected: frozenset[Var]
) -> CompValue:
    """`node` with every exact occurrence of a relation's pattern replaced (largest first).

    `protected` are the variables visible outside `node` (the projection, or the variables
    an enclosing EXISTS substitutes in); an inner variable may not be one of them.
    """
    largest_first = tuple(sorted(available, key=lambda r: -len(r.triples)))
    counts = _occurrences(node)
    return _walk(node, largest_first, protected, counts)


def _walk(
    node: CompValue,
    available: tuple[Relation, ...],
    protected: frozenset[Var],
    counts: Counter[Var],
) -> CompValue:
    if node.name == "BGP":
        return _replace_in_bgp(list(node.triples), available, protected, counts)
    changes: dict[str, Any] = {}
    for key in ("p", "p1", "p2"):
        child = node.get(key)
        if isinstance(child, CompValue) and node.name != "ToMultiSet":
            changes[key] = _walk(child, available, protected, counts)
    if node.get("expr") is not None and node.name in ("Filter", "LeftJoin", "Extend"):
        visible = protected | _input_vars(node)
        changes["expr"] = _in_expression(node.expr, available, visible)
    return _copy(node, **changes) if changes else node


def _input_vars(node: CompValue) -> frozenset[Var]:
    """Variables an expression of this node can see (those its rows may bind)."""
    return frozenset(possible(node))


def _in_expression(expr: Any, available: tuple[Relation, ...], visible: frozenset[Var]) -> Any:
    if not isinstance(expr, CompValue):
        return expr
    if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        return _copy(expr, graph=substitute(exists_pattern(expr), available, visible))
    changes = {
        k: [_in_expression(x, available, visible) for x in v]
        if isinstance(v, list)
        else _in_expression(v, available, visible)
        for k, v in expr.items()
        if not k.startswith("_")
    }
    return _copy(expr, **changes)


def _replace_in_bgp(
    triples: list[Triple],
    available: tuple[Relation, ...],
    protected: frozenset[Var],
    counts: Counter[Var],
) -> CompValue:
    derived: list[Triple] = []
    for relation in available:
        while (found := _find(relation, triples, protected, counts)) is not None:
            used, binding = found
            triples = [t for i, t in enumerate(triples) if i not in used]
            derived.append((binding[_S], relation.predicate, binding[_O]))
    if not derived:
        return BGP(triples)
    scratch = Graph(GRAPH_IRI, BGP(derived))
    return Join(BGP(triples), scratch) if triples else scratch


def _find(
    relation: Relation, triples: list[Triple], protected: frozenset[Var], counts: Counter[Var]
) -> tuple[set[int], dict[Any, Any]] | None:
    """An exact occurrence of the relation's pattern: matched triple indices and binding."""
    for used, binding in _matches(relation.triples, triples, {}, set()):
        inner = [binding[v] for v in binding if v not in (_S, _O)]
        local = Counter(x for i in used for x in triples[i] if _is_var(x))
        if all(
            _is_var(v) and v not in protected and counts[v] == local[v] and inner.count(v) == 1
            for v in inner
        ):
            return used, binding
    return None


def _matches(
    pattern: tuple[Triple, ...], triples: list[Triple], binding: dict[Any, Any], used: set[int]
) -> Iterator[tuple[set[int], dict[Any, Any]]]:
    if not pattern:
        yield used, binding
        return
    first, rest = pattern[0], pattern[1:]
    for index, candidate in enumerate(triples):
        if index in used:
            continue
        extended = _unify(first, candidate, binding)
        if extended is not None:
            yield from _matches(rest, triples, extended, used | {index})


def _unify(pattern: Triple, triple: Triple, binding: dict[Any, Any]) -> dict[Any, Any] | None:
    result = dict(binding)
    for want, have in zip(pattern, triple, strict=True):
        if isinstance(want, Variable):
            if want in result and result[want] != have:
                return None
            result[want] = have
        elif _shape(want) != _shape(have):
            return None
    return result


def _shape(path: Any) -> Any:
    """A path in a normal form: sequences flattened, alternatives as sets."""
    if isinstance(path, SequencePath):
        return ("/", tuple(_flatten(path)))
    if isinstance(path, AlternativePath):
        return ("|", frozenset(_shape(a) for a in path.args))
    if isinstance(path, MulPath):
        return (path.mod, _shape(path.path))
    if isinstance(path, InvPath):
        return ("^", _shape(path.arg))
    if isinstance(path, NegatedPath):
        return ("!", frozenset(_shape(a) for a in path.args))
    return path


def _flatten(path: SequencePath) -> Iterator[Any]:
    for arg in path.args:
        if isinstance(arg, SequencePath):
            yield from _flatten(arg)
        else:
            yield _shape(arg)


def _occurrences(node: Any) -> Counter[Var]:
    """How often each variable occurs in a pattern, its expressions and EXISTS patterns."""
    counts: Counter[Var] = Counter()
    _count(node, counts)
    return counts


def _count(node: Any, counts: Counter[Var]) -> None:
    if _is_var(node):
        counts[node] += 1
    elif isinstance(node, CompValue):
        if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            _count(exists_pattern(node), counts)
            return
        for key, value in node.items():
            if key != "_vars":
                _count(value, counts)
    elif isinstance(node, list | tuple):
        for item in node:
            _count(item, counts)
    elif isinstance(node, dict):
        for item in node.values():
            _count(item, counts)
