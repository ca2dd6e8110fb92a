r"""Fixed join trees for the right-hand side of each MINUS, so the engine cannot blow it up.

pyoxigraph evaluates `L MINUS R` by evaluating `R` alone, over the whole store, with hash
joins in an order its greedy planner picks from the number of bound positions of each
triple pattern. Every `?s <p> ?o` looks alike to it, so ties go to the one written first.
On data imported from mail, where everyone uses the one mail tool, R03's
`?this sb:carriedBy ?tool . ?value sb:usesTool ?tool` then paired every conversation with
every user of mail (67M rows, 5 GB, for 20k messages) and R08's
`?from sb:usesTool ?tool . ?value sb:usesTool ?tool` every two users of it.

`plan` rewrites each `R`, where that is exact, into a left-deep tree of joins that the
engine keeps as written (each join is a sub-select, `{ SELECT ... WHERE { A B } }`, which
pyoxigraph does not flatten into the joins around it):

1. The tree starts from `N`, the rows `L` can give `R`'s shared variables: a
   `SELECT DISTINCT` of them over the fewest patterns `L` surely matches. `N` holds every
   row of `L` cut down to those variables (it relaxes `L`), so `R` joined with `N` keeps
   every row of `R` that can remove a row of `L`, and the MINUS gives the same result.
2. `R`'s triple patterns are grouped into stars (one subject variable each) and joined onto
   the tree one at a time, first a star whose subject the tree binds, then the one sharing
   the most variables with it. So a step follows the few edges of bound nodes (a
   conversation's tools, a person's tools), never all the edges of a hub (a tool's users).
3. `R` is cut down to the distinct rows of the variables it shares with `L`, which are all
   MINUS compares.

The written form (`L MINUS R` as `not_exists_to_minus` leaves it) stays what the live
re-checks restrict and analyse; this one is for whole runs.

    >>> from service.rdflib_sparql import algebra
    >>> from service.validation.algebra_text import select
    >>> query = algebra('''PREFIX : <urn:>
    ...   SELECT ?this ?value WHERE { ?this :p ?value . ?this :c ?any
    ...   MINUS { ?this :c ?tool . ?value :u ?tool } }''').algebra.p
    >>> text = select(plan(query.p), [], distinct=False)
    >>> minus = text[text.index("MINUS"):].replace("<urn:", "<")
    >>> print(minus.replace(" { { SELECT", "\n{ { SELECT"))
    MINUS
    { { SELECT DISTINCT ?this ?value WHERE
    { { SELECT ?this ?tool ?value WHERE { { ?value <u> ?tool . }
    { { SELECT ?this ?tool ?value WHERE { { ?this <c> ?tool . }
    { { SELECT DISTINCT ?this ?value WHERE { ?this <p> ?value . } } } } } } } } } } } }
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rdflib import BNode, Variable
from rdflib.plugins.sparql.algebra import BGP, Filter, Join, Minus, Project, ToMultiSet
from rdflib.plugins.sparql.parserutils import CompValue

from service.validation.algebra_text import BNODE_PREFIX
from service.validation.rewrite import (
    Var,
    certain,
    is_var,
    join_all,
    map_children,
    possible,
    required_parts,
)


def plan(node: CompValue) -> CompValue:
    """`node` with the right-hand side of every MINUS narrowed, in a fixed join order, and
    cut down to the variables it may share with the left."""
    if node.name == "Minus":
        left = plan(node.p1)
        return Minus(left, _shared_only(left, _fixed_side(left, plan(node.p2))))
    return map_children(node, plan)


def _shared_only(left: CompValue, right: CompValue) -> CompValue:
    """`right` as the distinct rows of the variables it may share with `left`. MINUS
    compares a row of each on those alone (a variable `left` never binds is in no row of
    it), so the result is the same; and the engine, which holds every row of `right` in a
    table, holds these few instead of every row of the join (R01 on 200k events: 2M rows
    of four variables, 1.4 GB, against 195k pairs, 0.2 GB)."""
    mine = possible(right)
    shared: set[Var] = {v for v in mine & possible(left) if not isinstance(v, BNode)}
    if not shared or shared == mine:
        return right
    return ToMultiSet(CompValue("Distinct", p=Project(right, _variables(shared))))


def _fixed_side(left: CompValue, right: CompValue) -> CompValue:
    """`right` narrowed by `left` and joined in a fixed order, or `right` itself when that
    cannot help (fewer than two stars to join) or cannot be exact."""
    core, rebuild = _core(right)
    units = _units(core)
    if len(units) < 2:
        return right
    shared: set[Var] = {v for v in certain(core) & certain(left) if not isinstance(v, BNode)}
    # (a blank node of a pattern is a variable of its own basic graph pattern only)
    narrowing = _narrowing(_triples(left), shared)
    if narrowing is None:
        return right
    return rebuild(_left_deep(narrowing, units))


def _core(node: CompValue) -> tuple[CompValue, Callable[[CompValue], CompValue]]:
    """The join under `node`'s filters and nested MINUS left sides, and how to put a new
    one in its place. Narrowing there is exact: neither a filter nor a MINUS gives a row a
    binding, so a row of the core that `N` drops was no row of `node` that meets `L`."""
    if node.name == "Filter":
        inner, rebuild = _core(node.p)
        return inner, lambda new: Filter(node.expr, rebuild(new))
    if node.name == "Minus":
        inner, rebuild = _core(node.p1)
        return inner, lambda new: Minus(rebuild(new), node.p2)
    return node, lambda new: new


def _units(core: CompValue) -> list[CompValue]:
    """The core's joined parts, its triple patterns grouped into stars (a star per subject
    variable, a lone pattern per constant subject), the rest as they are."""
    stars: dict[Any, list[tuple[Any, Any, Any]]] = {}
    others: list[CompValue] = []
    for part in _flatten(core):
        if part.name != "BGP":
            others.append(part)
            continue
        for triple in part.triples:
            key = triple[0] if is_var(triple[0]) else triple
            stars.setdefault(key, []).append(triple)
    return [BGP(triples) for triples in stars.values()] + others


def _flatten(node: CompValue) -> list[CompValue]:
    if node.name == "Join":
        return _flatten(node.p1) + _flatten(node.p2)
    return [node]


def _triples(node: CompValue) -> list[CompValue]:
    """`rewrite.required_parts` of `node`, each triple pattern a part of its own."""
    parts: list[CompValue] = []
    for part in required_parts(node):
        parts.extend([BGP([t]) for t in part.triples] if part.name == "BGP" else [part])
    return parts


def _narrowing(parts: list[CompValue], shared: set[Var]) -> CompValue | None:
    """`N`: the distinct rows of `shared` over the fewest of `parts` that bind them (each
    next the one linked to those before that binds the most still unbound: unlinked parts
    would make a cross product), plus every part that only restricts those; None when no
    part binds any of `shared`. Where the linked parts cannot bind all of `shared`, `N`
    narrows by those they bind."""
    chosen: list[CompValue] = []
    covered: set[Var] = set()
    while open_ := shared - covered:
        linked = [p for p in parts if certain(p) & open_ and (not chosen or certain(p) & covered)]
        if not linked:
            break
        best = max(linked, key=lambda p: (len(certain(p) & open_), -len(certain(p) - shared)))
        chosen.append(best)
        covered |= certain(best)
    if not chosen:
        return None
    chosen += [p for p in parts if p not in chosen and possible(p) <= covered]
    kept = _variables(shared & covered)
    return ToMultiSet(CompValue("Distinct", p=Project(join_all(chosen), kept)))


def _left_deep(start: CompValue, units: list[CompValue]) -> CompValue:
    """`start` joined with every unit, one sub-select per join: next the unit whose star
    subject is bound, then the one sharing the most variables, then the first written.
    Units sharing nothing with the tree are joined last, as written.

    Each unit is written before the tree: pyoxigraph builds its hash table from the side
    it estimates smaller, the first written on a tie, and a star read from the store is
    smaller than the rows the tree has gathered (R01's 2.9M pairs of participants on 20k
    messages against 40k arcs: three times slower to build from the pairs)."""
    tree, bound, rest = start, possible(start), list(units)
    while linked := [u for u in rest if certain(u) & bound]:
        unit = min(linked, key=lambda u: (not _subject_bound(u, bound), -len(certain(u) & bound)))
        rest.remove(unit)
        bound |= possible(unit)
        tree = ToMultiSet(Project(Join(_grouped(unit), tree), _variables(bound)))
    return join_all([tree, *rest])


def _subject_bound(unit: CompValue, bound: set[Var]) -> bool:
    """A star whose subject is bound (a shared relation or sub-select counts as one)."""
    return unit.name != "BGP" or unit.triples[0][0] in bound


def _grouped(unit: CompValue) -> CompValue:
    """A star of several patterns as a sub-select of its own, so its patterns join with
    each other (on their subject) before the tree, not with the tree on another variable."""
    if unit.name == "BGP" and len(unit.triples) > 1:
        return ToMultiSet(Project(unit, _variables(possible(unit))))
    return unit


def _variables(found: set[Var]) -> list[Variable]:
    """A projection of `found`, sorted; a blank node of a pattern under the name the query
    text gives it (`algebra_text.BNODE_PREFIX`), so the join above still meets it."""
    return sorted(
        (Variable(f"{BNODE_PREFIX}{v}") if isinstance(v, BNode) else v for v in found), key=str
    )
