"""Derived relations that several rules share, computed once per run instead of per query.

Each relation is a file `derived/<name>.rq`: a `SELECT ?s ?o` over one basic graph pattern
(DESIGN §4 "member of", "prohibited for"). The compiler replaces an occurrence of the
pattern in a rule's query (at most one per basic graph pattern) by a placeholder for the
relation's table when the replacement is exact: both ends are variables, and the
pattern's inner variables (`?policy`, `?org`) occur nowhere else in the query scope and are
not projected — dropping them changes no result of a `SELECT` whose rows SHACL treats as a
set.

A run computes each table once (`compute`) and `render`s the placeholders either as inline
`VALUES` rows (nothing is written anywhere: the default) or, when the table holds blank
nodes (which `VALUES` cannot carry), as triples of the scratch graph `GRAPH_IRI` that the
run adds to its private copy of the data (`scratch_quads`).

Property paths with `*` inside (NOT) EXISTS are what makes pyoxigraph slow (it re-walks the
closure for every row); after the rewrite the rules only look up precomputed pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql.algebra import BGP, Join
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.rdflib_sparql import algebra
from service.validation.algebra_text import exists_pattern, group
from service.validation.rdfio import to_oxigraph
from service.validation.rewrite import Var, copy_node, is_var, possible

DEFINITIONS_DIR = Path(__file__).parent / "derived"
GRAPH_IRI = URIRef("urn:triskel:derived")
RELATION_PREFIX = "urn:triskel:derived:"

_S, _O = Variable("s"), Variable("o")
Triple = tuple[Any, Any, Any]


@dataclass(frozen=True)
class Relation:
    """One derived relation: its name and defining triple patterns."""

    name: str
    triples: tuple[Triple, ...]

    def select(self) -> str:
        """The query that computes the relation's table."""
        return f"SELECT DISTINCT ?s ?o WHERE {self.pattern()}"

    def pattern(self) -> str:
        """The defining pattern as a SPARQL group (`?s`, `?o` its ends)."""
        return group(BGP(list(self.triples)))


@lru_cache(maxsize=1)
def relations() -> tuple[Relation, ...]:
    """All definitions, smallest first (the order they are materialised in)."""
    found = [_relation(path) for path in sorted(DEFINITIONS_DIR.glob("*.rq"))]
    return tuple(sorted(found, key=lambda r: (len(r.triples), r.name)))


def _relation(path: Path) -> Relation:
    query = algebra(path.read_text(encoding="utf-8"))
    project = query.algebra.p
    pattern = project.p
    if project.name != "Project" or set(project.PV) != {_S, _O} or pattern.name != "BGP":
        raise ValueError(f"{path.name}: expected SELECT ?s ?o over one basic graph pattern")
    return Relation(path.stem, tuple(pattern.triples))


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
        visible = protected | frozenset(possible(node))  # what the expression's rows bind
        changes["expr"] = _in_expression(node.expr, available, visible)
    return copy_node(node, **changes) if changes else node


def _in_expression(expr: Any, available: tuple[Relation, ...], visible: frozenset[Var]) -> Any:
    if not isinstance(expr, CompValue):
        return expr
    if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        return copy_node(expr, graph=substitute(exists_pattern(expr), available, visible))
    changes = {
        k: [_in_expression(x, available, visible) for x in v]
        if isinstance(v, list)
        else _in_expression(v, available, visible)
        for k, v in expr.items()
        if not k.startswith("_")
    }
    return copy_node(expr, **changes)


def _replace_in_bgp(
    triples: list[Triple],
    available: tuple[Relation, ...],
    protected: frozenset[Var],
    counts: Counter[Var],
) -> CompValue:
    """At most one replacement per basic graph pattern: two inline tables joined with each
    other are joined row by row (quadratic) by pyoxigraph, while a table joined with
    triple patterns and paths uses the indexes."""
    for relation in available:
        found = _find(relation, triples, protected, counts)
        if found is not None:
            used, binding = found
            rest = [t for i, t in enumerate(triples) if i not in used]
            table = CompValue("Derived", relation=relation.name, s=binding[_S], o=binding[_O])
            return Join(BGP(rest), table) if rest else table
    return BGP(triples)


def _find(
    relation: Relation, triples: list[Triple], protected: frozenset[Var], counts: Counter[Var]
) -> tuple[set[int], dict[Any, Any]] | None:
    """An exact occurrence of the relation's pattern: matched triple indices and binding."""
    for used, binding in _matches(relation.triples, triples, {}, set()):
        ends = (binding[_S], binding[_O])
        inner = [binding[v] for v in binding if v not in (_S, _O)]
        local = Counter(x for i in used for x in triples[i] if is_var(x))
        if all(is_var(end) for end in ends) and all(
            is_var(v)
            and v not in protected
            and v not in ends
            and counts[v] == local[v]
            and inner.count(v) == 1
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
    if is_var(node):
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


# -- tables per run --

PLACEHOLDER = re.compile(r"\{\{derived:(\w+) \?(\w+) \?(\w+)\}\}")
"""How `algebra_text` writes a relation's use: `{{derived:<name> ?<s> ?<o>}}` (braces
cannot occur in an IRI, so the token is unambiguous)."""

Term = Node | ox.NamedNode | ox.BlankNode | ox.Literal
Table = list[tuple[Term, Term]]
"""A relation's pairs: rdflib terms (through any `Select`) or pyoxigraph terms (`compute_on`)."""
Select = Callable[[str], Iterable[Mapping[str, Node]]]


def compute(select: Select, wanted: tuple[Relation, ...]) -> dict[str, Table]:
    """Each relation's pairs, computed once from the data (through any `Select`)."""
    return {r.name: [(row["s"], row["o"]) for row in select(r.select())] for r in wanted}


def compute_on(store: ox.Store, wanted: tuple[Relation, ...]) -> dict[str, Table]:
    """Each relation's pairs as pyoxigraph terms, read from a pyoxigraph store: no rdflib
    term built (at a million triples the conversion was twice the queries' time)."""
    return {r.name: [(row[0], row[1]) for row in _solutions(store, r.select())] for r in wanted}


def _solutions(store: ox.Store, query: str) -> ox.QuerySolutions:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def inline_rows(tables: dict[str, Table]) -> dict[str, str] | None:
    """Each table as VALUES rows text, or None when one holds a blank node (VALUES cannot
    name blank nodes of the data)."""
    if any(_is_blank(term) for table in tables.values() for row in table for term in row):
        return None
    return {
        name: " ".join(f"({_text(s)} {_text(o)})" for s, o in table)
        for name, table in tables.items()
    }


def _is_blank(term: Term) -> bool:
    return isinstance(term, BNode | ox.BlankNode)


def _text(term: Term) -> str:
    """A term as SPARQL writes it (pyoxigraph terms print as N-Triples, which it accepts)."""
    return term.n3() if isinstance(term, Node) else str(term)


def render(query: str, inline: dict[str, str] | None, *, graph: str = str(GRAPH_IRI)) -> str:
    """The query with each placeholder as inline VALUES rows, or (None) as a lookup in the
    scratch graph (`graph`: a run on a remote engine names one of its own)."""
    if inline is None:
        return PLACEHOLDER.sub(
            lambda m: f"GRAPH <{graph}> {{ ?{m[2]} <{RELATION_PREFIX}{m[1]}> ?{m[3]} . }}",
            query,
        )
    return PLACEHOLDER.sub(lambda m: f"VALUES (?{m[2]} ?{m[3]}) {{ {inline[m[1]]} }}", query)


def scratch_quads(tables: dict[str, Table]) -> Iterator[ox.Quad]:
    """The tables as triples of the scratch graph."""
    graph = ox.NamedNode(str(GRAPH_IRI))
    for name, table in tables.items():
        predicate = ox.NamedNode(RELATION_PREFIX + name)
        for s, o in table:
            yield ox.Quad(_oxigraph(s), predicate, _oxigraph(o), graph)  # type: ignore[arg-type]


def _oxigraph(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    return to_oxigraph(term) if isinstance(term, Node) else term
