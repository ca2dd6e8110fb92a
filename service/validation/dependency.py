"""Which focus nodes a change can affect: a dependency analysis of one compiled query.

A query's result for a focus node `f` can only change when a changed triple `d` takes part
in a *witness* for `f`: a set of triples, all in the old or all in the new graph, matching
every pattern that must match for one solution with `?this = f` — the patterns of its own
group, of the groups it is joined with, and, below a NOT EXISTS, MINUS or OPTIONAL, those of
the enclosing pattern whose rows it is checked against (`Watch.context`). Any subset of a
witness still matches, so a *connector* — `d`'s bindings joined with a shortest chain of
context patterns that reaches the focus variable — run over the old and new graphs together
returns every affected focus node, and possibly a few more (which a re-check then finds
unchanged). This is what makes changes reached through inverse and sequence paths, negated
patterns and derived relations count, not only the subjects of changed triples.

* A triple pattern with a plain predicate matches `d` by unification.
* A property path matches `d` when `d`'s predicate is one of its steps; then the path's
  subject end reaches `d`'s subject through the path's steps (`?a (steps)* <s>`) and `d`'s
  object reaches its object end, the other way round for an inverse step. A witness holds
  the whole walk, so the connector starts from whichever end has the shorter chain to the
  focus (the subject end of `?this (sb:performedBy|sb:addressedTo) ?value` is the focus).
* Watches are indexed by the predicates they can match, and each works out its connector
  once: matching a change costs a dictionary look-up and a unification.
* Variables local to a NOT EXISTS, MINUS or sub-select are renamed, so two blocks that
  happen to reuse a name (`?peer`) are never joined.
* Filters and BIND are dropped (a relaxation keeps every witness).

What the analysis does not understand — a negated property set, a variable graph name,
aggregates that do not group by the focus, a pattern with no chain to the focus — makes the
query `Plan.whole`: the caller re-checks it for every focus node.

    >>> plan = analyse("SELECT ?this WHERE { ?this <urn:p> ?x . ?x <urn:q> ?y }", "this")
    >>> [str(w.atom.predicate) for w in plan.watches]
    ['urn:p', 'urn:q']
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from rdflib import URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.rdflib_sparql import algebra
from service.validation.algebra_text import Unsupported, exists_pattern, term
from service.validation.rewrite import certain, is_var, mentioned, possible

SEED = Variable("_seed")
"""The connector's input variable: the changed triple's term it starts from."""

_TRANSPARENT = ("SelectQuery", "Project", "Distinct", "Reduced", "Slice", "OrderBy")


@dataclass(frozen=True)
class Atom:
    """One triple pattern (its predicate may be a property path) in a named graph or not."""

    subject: Any
    predicate: Any
    object: Any
    graph: URIRef | None = None

    def variables(self) -> set[Any]:
        return {t for t in (self.subject, self.predicate, self.object) if is_var(t)}

    def text(self) -> str:
        triple = f"{term(self.subject)} {term(self.predicate)} {term(self.object)} ."
        return f"GRAPH <{self.graph}> {{ {triple} }}" if self.graph is not None else triple


@dataclass(frozen=True)
class Change:
    """A changed triple as rdflib terms, in the data (`graph` None) or a named graph."""

    subject: Node
    predicate: URIRef
    object: Node
    graph: URIRef | None = None


@dataclass(frozen=True)
class Connector:
    """Patterns from a seed variable to the focus variable: run with the seed bound (by
    VALUES or substitution), they return every focus node a change at the seed may affect.
    An empty `body` means the seed is the focus itself."""

    body: str
    seed: Variable
    focus: Variable

    def query(self, values: str = "") -> str:
        """The SELECT text, with `values` (a VALUES clause) in front of the body."""
        seed = term(self.seed)
        return f"SELECT DISTINCT {term(self.focus)} {seed} WHERE {{ {values} {self.body} }}"


@dataclass(frozen=True)
class Watch:
    """A pattern to match changes against, and the patterns every witness with it holds.

    Which variable a change starts from, and the chain from it to the focus, depend on the
    pattern alone, so each watch works them out once (`_plain`, `_ends`)."""

    atom: Atom
    context: tuple[Atom, ...]
    focus: Variable
    _steps: tuple[frozenset[URIRef], frozenset[URIRef]] = field(default=(frozenset(), frozenset()))

    def predicates(self) -> frozenset[URIRef] | None:
        """The predicates of the changes this pattern can match (None: any predicate)."""
        predicate = self.atom.predicate
        if isinstance(predicate, Path):
            return self._steps[0] | self._steps[1]
        return None if is_var(predicate) else frozenset({predicate})

    def seeds(self, change: Change) -> Iterator[tuple[Connector | None, Node]]:
        """(connector, seed term) pairs for a change this pattern matches; a None
        connector means no chain reaches the focus (re-check whole)."""
        atom = self.atom
        if atom.graph != change.graph:
            return
        if isinstance(atom.predicate, Path):
            yield from self._path_seeds(change)
            return
        binding: dict[Any, Node] = {}
        for want, have in zip(
            (atom.subject, atom.predicate, atom.object),
            (change.subject, change.predicate, change.object),
            strict=True,
        ):
            if is_var(want):
                if binding.setdefault(want, have) != have:
                    return
            elif want != have:
                return
        start, connector = self._plain
        yield connector, change.subject if connector is None else binding[start]

    @cached_property
    def _plain(self) -> tuple[Any, Connector | None]:
        """The pattern's variable nearest to the focus and the connector from it."""
        start = _nearest(self.atom.variables(), self.context, self.focus)
        if start is None:
            return None, None
        return start, _connector(self.focus, start, _chain(start, self.context, self.focus), None)

    def _path_seeds(self, change: Change) -> Iterator[tuple[Connector | None, Node]]:
        forward, inverse = self._steps
        connector, index = self._end
        if change.predicate in forward:
            yield connector, (change.subject, change.object)[index]
        if change.predicate in inverse:  # the walk crosses the triple object first
            yield connector, (change.object, change.subject)[index]

    @cached_property
    def _end(self) -> tuple[Connector | None, int]:
        """The connector from the path's end nearest to the focus, and which node of the
        changed step it starts from (0: the one the walk meets first).

        A witness holds the whole walk, so one end reaching the focus is enough: the end
        that reaches the changed step's first node (`?end (steps)* <first>`) or the end its
        second node reaches (`<second> (steps)* ?end`), whichever has the shorter chain."""
        steps = _steps_text(*self._steps)
        best: tuple[int, Connector | None, int] = (-1, None, 0)
        for index, (end, reach) in enumerate(
            ((self.atom.subject, "{end} " + steps + "* {seed} ."),
             (self.atom.object, "{seed} " + steps + "* {end} ."))
        ):  # fmt: skip
            chain = _chain(end, self.context, self.focus) if is_var(end) else None
            if chain is not None and (best[0] < 0 or len(chain) < best[0]):
                text = reach.format(end=term(end), seed=term(SEED))
                best = (len(chain), _connector(self.focus, end, chain, text), index)
        return best[1], best[2]


def _steps_text(forward: frozenset[URIRef], inverse: frozenset[URIRef]) -> str:
    parts = sorted(term(p) for p in forward) + sorted(f"^{term(p)}" for p in inverse)
    return "(" + "|".join(parts) + ")"


def _connector(
    focus: Variable, start: Any, chain: list[Atom] | None, reach: str | None
) -> Connector | None:
    if chain is None:
        return None
    body = " ".join([*([reach] if reach else []), *(a.text() for a in chain)])
    seed = SEED if reach else start
    if not isinstance(seed, Variable):  # a blank node of the pattern acts as a variable
        seed = Variable(term(seed)[1:])
    return Connector(body, seed, focus)


def _nearest(variables: Iterable[Any], context: tuple[Atom, ...], focus: Variable) -> Any:
    """The variable with the shortest chain to the focus (None if none has one)."""
    best: tuple[int, str] | None = None
    chosen = None
    for variable in variables:
        chain = _chain(variable, context, focus)
        if chain is not None and (best is None or (len(chain), str(variable)) < best):
            best, chosen = (len(chain), str(variable)), variable
    return chosen


def _chain(start: Any, context: tuple[Atom, ...], focus: Variable) -> list[Atom] | None:
    """The fewest context patterns linking `start` to `focus` (breadth first)."""
    if start == focus:
        return []
    came: dict[Any, tuple[Any, Atom] | None] = {start: None}
    queue = deque([start])
    while queue:
        variable = queue.popleft()
        for atom in context:
            if variable not in atom.variables():
                continue
            for other in atom.variables() - came.keys():
                came[other] = (variable, atom)
                if other == focus:
                    return _unwind(came, focus)
                queue.append(other)
    return None


def _unwind(came: dict[Any, tuple[Any, Atom] | None], end: Any) -> list[Atom]:
    chain: list[Atom] = []
    step = came[end]
    while step is not None:
        previous, atom = step
        chain.append(atom)
        step = came[previous]
    return chain


@dataclass(frozen=True)
class Plan:
    """The watches of one query, or `whole` when it must be re-checked for every focus."""

    focus: Variable
    watches: tuple[Watch, ...]
    whole: str | None = None
    """Why the query is not analysed (None when it is)."""

    def watching(self, change: Change) -> tuple[Watch, ...]:
        """The watches that may match `change`: those of its predicate, and those whose
        predicate is a variable."""
        by_predicate, anything = self._index
        return by_predicate.get(change.predicate, ()) + anything

    @cached_property
    def _index(self) -> tuple[dict[URIRef, tuple[Watch, ...]], tuple[Watch, ...]]:
        by_predicate: dict[URIRef, list[Watch]] = {}
        anything: list[Watch] = []
        for watch in self.watches:
            predicates = watch.predicates()
            if predicates is None:
                anything.append(watch)
            for predicate in predicates or ():
                by_predicate.setdefault(predicate, []).append(watch)
        return {p: tuple(w) for p, w in by_predicate.items()}, tuple(anything)


@lru_cache(maxsize=512)
def analyse(query: str, focus: str) -> Plan:
    """The dependency plan of a SELECT query for its focus variable `focus` (worked out once
    per process: parsing is most of a live state's start-up after the data)."""
    variable = Variable(focus)
    try:
        walker = _Walker(variable)
        walker.visit(algebra(query).algebra, [], {})
    except Unsupported as exc:
        return Plan(variable, (), whole=str(exc))
    return Plan(variable, tuple(walker.watches))


class _Walker:
    """Collects a `Watch` per pattern, with its context, renaming local variables."""

    def __init__(self, focus: Variable) -> None:
        self.focus = focus
        self.watches: list[Watch] = []
        self._fresh = itertools.count()
        self._scopes: dict[int, dict[Any, Any]] = {}

    def _scope(self, node: CompValue, local: set[Any], names: dict[Any, Any]) -> dict[Any, Any]:
        """`names` extended with fresh names for a scope's local variables (stable per node,
        so contexts and watches agree)."""
        if id(node) not in self._scopes:
            self._scopes[id(node)] = {
                v: Variable(f"{v}_{next(self._fresh)}") for v in sorted(local, key=str)
            }
        return {**names, **self._scopes[id(node)]}

    def certain_atoms(self, node: CompValue, names: dict[Any, Any]) -> list[Atom]:
        """Patterns every solution of `node` matches."""
        name = node.name
        if name == "BGP":
            return [self._atom(t, names, None) for t in node.triples]
        if name == "Join":
            return self.certain_atoms(node.p1, names) + self.certain_atoms(node.p2, names)
        if name in ("LeftJoin", "Minus"):
            return self.certain_atoms(node.p1, names)
        if name in ("Filter", "Extend", "Group", "AggregateJoin", *_TRANSPARENT):
            return self.certain_atoms(node.p, names)
        if name == "Graph":
            graph = _graph_name(node)
            inside = self.certain_atoms(node.p, names)
            return [Atom(a.subject, a.predicate, a.object, graph) for a in inside]
        if name == "ToMultiSet":
            inner = node.p
            if inner.name == "values":
                return []
            return self.certain_atoms(inner, self._subselect(inner, names))
        if name == "Union":
            return []
        raise Unsupported(f"pattern {name}")

    def visit(self, node: CompValue, context: list[Atom], names: dict[Any, Any]) -> None:
        name = node.name
        if name == "BGP":
            atoms = self.certain_atoms(node, names)
            for i, atom in enumerate(atoms):
                self._watch(atom, context + atoms[:i] + atoms[i + 1 :])
        elif name == "Join":
            self.visit(node.p1, context + self.certain_atoms(node.p2, names), names)
            self.visit(node.p2, context + self.certain_atoms(node.p1, names), names)
        elif name in ("LeftJoin", "Minus"):
            left = self.certain_atoms(node.p1, names)
            self.visit(node.p1, context, names)
            right = node.p2
            inner = names
            if name == "Minus":  # evaluated alone, joined on variables the left surely binds
                inner = self._scope(right, mentioned(right) - certain(node.p1), names)
            self.visit(right, context + left, inner)
            if name == "LeftJoin":
                both = left + self.certain_atoms(right, names)
                self._expression(node.expr, node, context + both, names)
        elif name == "Filter":
            self.visit(node.p, context, names)
            self._expression(node.expr, node.p, context + self.certain_atoms(node.p, names), names)
        elif name == "Union":
            self.visit(node.p1, context, names)
            self.visit(node.p2, context, names)
        elif name == "Graph":
            graph = _graph_name(node)
            before = len(self.watches)
            self.visit(node.p, context, names)
            self.watches[before:] = [_in_graph(w, graph) for w in self.watches[before:]]
        elif name == "ToMultiSet":
            if node.p.name != "values":
                self.visit(node.p, context, self._subselect(node.p, names))
        elif name == "Group":
            if self.focus not in (node.expr or []):
                raise Unsupported("an aggregate over several focus nodes")
            self.visit(node.p, context, names)
        elif name in ("Extend", "AggregateJoin", *_TRANSPARENT):
            self.visit(node.p, context, names)
        else:
            raise Unsupported(f"pattern {name}")

    def _expression(
        self, expr: Any, outer: CompValue, context: list[Atom], names: dict[Any, Any]
    ) -> None:
        """Visit the (NOT) EXISTS patterns inside a filter expression."""
        for exists in _exists_in(expr):
            pattern = exists_pattern(exists)
            visible = possible(outer) | set(names)
            inner = self._scope(pattern, mentioned(pattern) - visible, names)
            self.visit(pattern, context, inner)

    def _subselect(self, node: CompValue, names: dict[Any, Any]) -> dict[Any, Any]:
        projected = node
        while projected.name in ("Distinct", "Reduced"):
            projected = projected.p
        if projected.name != "Project":
            raise Unsupported(f"sub-select with {projected.name}")
        return self._scope(node, mentioned(projected.p) - set(projected.PV), names)

    def _atom(
        self, triple: tuple[Any, Any, Any], names: dict[Any, Any], graph: URIRef | None
    ) -> Atom:
        s, p, o = (names.get(t, t) if is_var(t) else t for t in triple)
        if isinstance(p, Path):
            _path_steps(p)  # refuses negated property sets early
        return Atom(s, p, o, graph)

    def _watch(self, atom: Atom, context: list[Atom]) -> None:
        steps = _path_steps(atom.predicate) if isinstance(atom.predicate, Path) else None
        self.watches.append(
            Watch(atom, tuple(context), self.focus, steps or (frozenset(), frozenset()))
        )


def _in_graph(watch: Watch, graph: URIRef) -> Watch:
    atom = watch.atom
    if atom.graph is not None:
        return watch
    moved = Atom(atom.subject, atom.predicate, atom.object, graph)
    return Watch(moved, watch.context, watch.focus, watch._steps)


def _graph_name(node: CompValue) -> URIRef:
    if not isinstance(node.term, URIRef):
        raise Unsupported("GRAPH with a variable")
    return node.term


def _exists_in(expr: Any) -> Iterator[CompValue]:
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            yield expr
            return
        for key, value in expr.items():
            if not key.startswith("_"):
                yield from _exists_in(value)
    elif isinstance(expr, list | tuple):
        for item in expr:
            yield from _exists_in(item)


def _path_steps(path: Any, inverted: bool = False) -> tuple[frozenset[URIRef], frozenset[URIRef]]:
    """The predicates a path steps along (forward, inverse)."""
    if isinstance(path, URIRef):
        return (frozenset(), frozenset({path})) if inverted else (frozenset({path}), frozenset())
    if isinstance(path, InvPath):
        return _path_steps(path.arg, not inverted)
    if isinstance(path, MulPath):
        return _path_steps(path.path, inverted)
    if isinstance(path, SequencePath | AlternativePath):
        parts = [_path_steps(arg, inverted) for arg in path.args]
        return (
            frozenset().union(*(f for f, _ in parts)),
            frozenset().union(*(i for _, i in parts)),
        )
    if isinstance(path, NegatedPath):
        raise Unsupported("a negated property set")
    raise Unsupported(f"path {path!r}")


def affected(plan: Plan, changes: Iterable[Change]) -> tuple[dict[Connector, set[Node]], bool]:
    """Connector → seed terms for `changes`, and whether some change needs a whole re-check."""
    requests: dict[Connector, set[Node]] = {}
    whole = False
    for change in changes:
        for watch in plan.watching(change):
            for connector, seed in watch.seeds(change):
                if connector is None:
                    whole = True
                else:
                    requests.setdefault(connector, set()).add(seed)
    return requests, whole
