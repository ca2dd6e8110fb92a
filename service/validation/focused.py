"""Compiled queries restricted to a few focus nodes, for the live re-checks.

A re-check must cost what its focus nodes cost, not what the store holds. Restricting the
query's target to a focus list is not enough: pyoxigraph evaluates the right-hand side of a
MINUS alone, over the whole store (`?from sb:usesTool ?tool . ?value sb:usesTool ?tool`
pairs every two users of a tool), and joins a sub-select holding a GRAPH lookup after its
other patterns. So `restrict` rewrites a compiled query:

1. the focus variable is bound by an inline `VALUES` list — at the top, and inside every
   target sub-select (`{ SELECT DISTINCT ?this WHERE { ... } }`), where pyoxigraph binds it
   before walking `rdf:type/rdfs:subClassOf*`;
2. the right-hand side `R` of every `L MINUS R` becomes `{ SELECT vars(R) WHERE { L R } }`:
   only the rows of `R` that agree with some row of `L`, which are the only rows MINUS can
   use, so the result is the same. When `R` is itself `B MINUS D` (or a filter of `B`) the
   join moves onto `B`, so nested anti-joins are narrowed too. The rewrite is made only where
   it is exact: every variable of `R` that `L` may bind is certain in `R` (a row of `R` gains
   no binding from `L`), and `L` and `R` certainly share a variable (the queries the
   compiler writes from NOT EXISTS and Core constraints all qualify).
3. the left-hand side of every MINUS and the pattern of every FILTER that surely bind the
   focus, along the patterns whose rows all meet the top-level list, are joined with the
   list too: pyoxigraph evaluates `L MINUS R` and `{ P FILTER(...) }` before joining them
   with the list around them, reading every row of `L` or `P` (R11's
   `?conversation sb:hasAct ?this` over all acts: 73 ms at 100k triples, 0.4 ms with it).

`Restricted.render(named, blank)` fills the list. VALUES cannot name the data's blank nodes:
with `blank=True` the list is read from the focus graph instead (`?this <FOCUS> ?this` in
`FOCUS_GRAPH`), which the caller fills.

    >>> q = restrict("SELECT ?this WHERE { ?this <urn:p> ?v } ", "this")
    >>> q.render(["<urn:a>", "<urn:b>"], blank=False)
    'SELECT ?this WHERE { { VALUES (?this) { (<urn:a>) (<urn:b>) } } { ?this <urn:p> ?v . } }'
    >>> q = restrict("SELECT ?this WHERE { ?this <urn:p> ?v MINUS { ?v <urn:q> ?w } }", "this")
    >>> text = q.render(["<urn:a>"], blank=False)
    >>> "{ { VALUES (?this) { (<urn:a>) } } { ?this <urn:p> ?v . } } MINUS" in text
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import URIRef, Variable
from rdflib.plugins.sparql.algebra import Filter, Join, Minus
from rdflib.plugins.sparql.parserutils import CompValue

from service.rdflib_sparql import algebra
from service.validation.algebra_text import Unsupported, select
from service.validation.rewrite import (
    certain,
    copy_node,
    join_all,
    mentioned,
    possible,
    required_parts,
)

FOCUS_IRI = "urn:triskel:live:focus"
"""The focus graph, its one predicate, and the token `render` replaces."""
_TOKEN = f"(<{FOCUS_IRI}>)"

_Bind = tuple[Variable, CompValue]
"""The focus variable and the VALUES pattern listing the foci."""


@dataclass(frozen=True)
class Restricted:
    """A query text with a focus-list token in each place the focus is bound."""

    text: str
    variable: str

    def render(self, named: list[str], *, blank: bool) -> str:
        """The query for the named foci (`<iri>` texts), or, with `blank`, for the foci
        listed in the focus graph."""
        if blank:
            lookup = f"GRAPH <{FOCUS_IRI}> {{ ?{self.variable} <{FOCUS_IRI}> ?{self.variable} }}"
            return self.text.replace(f"VALUES (?{self.variable}) {{ {_TOKEN} }}", lookup)
        return self.text.replace(_TOKEN, " ".join(f"({n})" for n in named))


@lru_cache(maxsize=512)
def restrict(query: str, variable: str) -> Restricted:
    """`query` (a SELECT whose solutions all bind `variable`) restricted to a focus list
    (rewritten once per process for each query)."""
    focus = Variable(variable)
    top = algebra(query).algebra.p
    distinct = top.name == "Distinct"
    project = top.p if distinct else top
    token = CompValue("ToMultiSet", p=CompValue("values", res=[{focus: URIRef(FOCUS_IRI)}]))
    try:
        pattern = _walk(_bind_targets(project.p, focus, token), (token,), (focus, token))
        text = select(Join(token, pattern), project.PV, distinct=distinct)
    except Unsupported:  # (aggregates) the list where the text binds the focus: exact, slower
        text = _listed(query, variable)
    return Restricted(text, variable)


def _listed(query: str, variable: str) -> str:
    """The focus list put in the target sub-selects (for `?this`) or the first group.

    >>> _listed("SELECT ?s WHERE { ?s ?p ?o }", "s")
    'SELECT ?s WHERE { VALUES (?s) { (<urn:triskel:live:focus>) } ?s ?p ?o }'
    """
    values = f"VALUES (?{variable}) {{ {_TOKEN} }} "
    target = "{ SELECT DISTINCT ?this WHERE { "
    if variable == "this" and target in query:
        return query.replace(target, target + values)
    return re.sub(r"WHERE \{ ", lambda m: m.group(0) + values, query, count=1)


def _is_target(node: CompValue, focus: Variable) -> bool:
    inner = node.p
    while inner.name in ("Distinct", "Reduced"):
        inner = inner.p
    return inner.name == "Project" and list(inner.PV) == [focus]


def _bind_targets(node: Any, focus: Variable, token: CompValue) -> Any:
    """Every target sub-select with the focus list joined inside."""
    if not isinstance(node, CompValue):
        return node
    if node.name == "ToMultiSet":
        if node.p.name == "values" or not _is_target(node, focus):
            return node
        inner, wrappers = node.p, []
        while inner.name != "Project":
            wrappers.append(inner)
            inner = inner.p
        rebuilt = copy_node(inner, p=Join(token, inner.p))
        for wrapper in reversed(wrappers):
            rebuilt = copy_node(wrapper, p=rebuilt)
        return copy_node(node, p=rebuilt)
    changes = {
        k: _bind_targets(node[k], focus, token)
        for k in ("p", "p1", "p2")
        if isinstance(node.get(k), CompValue)
    }
    return copy_node(node, **changes) if changes else node


def _walk(
    node: CompValue, context: tuple[CompValue, ...] = (), bind: _Bind | None = None
) -> CompValue:
    """`node` with every MINUS right-hand side narrowed by its left-hand side and by the
    patterns `context` that every row of `node` is joined with (a relaxation of them).

    With `bind` (the focus variable and its list, given along the patterns whose rows all
    meet the top-level list), the left-hand side of each MINUS and the pattern of each
    FILTER that surely bind the focus are joined with the list too: pyoxigraph evaluates
    them before joining them with what surrounds them, so without the list there it reads
    every row of the pattern."""
    name = node.name
    if name == "Minus":
        left = _bound(_walk(node.p1, context, bind), bind)
        context = tuple(c for c in context if bind is None or c is not bind[1])
        usable = [c for c in context if mentioned(node.p2) & possible(c) <= certain(left)]
        return Minus(left, _narrow(join_all([*usable, left]), node.p2))
    if name == "Join":
        first = _walk(node.p1, (*context, *required_parts(node.p2)), bind)
        return Join(first, _walk(node.p2, (*context, *required_parts(first)), bind))
    if name in ("Filter", "Extend"):
        inner = _walk(node.p, context, bind)
        if name == "Filter" and inner.name != "Minus":  # (a MINUS binds its left side)
            inner = _bound(inner, bind)
        return copy_node(node, p=inner)
    if name in ("ToMultiSet", "BGP", "values"):
        return node
    changes = {k: _walk(node[k]) for k in ("p", "p1", "p2") if isinstance(node.get(k), CompValue)}
    return copy_node(node, **changes) if changes else node


def _bound(node: CompValue, bind: _Bind | None) -> CompValue:
    """`node` joined with the focus list, where it surely binds the focus (exact there)."""
    return Join(bind[1], node) if bind is not None and bind[0] in certain(node) else node


def _narrow(left: CompValue, right: CompValue) -> CompValue:
    """A right-hand side for `left MINUS right` holding only the rows that meet `left`."""
    shared = mentioned(right) & possible(left)
    if not shared <= certain(right) or not certain(right) & certain(left):
        return _walk(right)
    kept = sorted(possible(right), key=str)
    projected = CompValue("Project", p=_push(left, right), PV=kept)
    return CompValue("ToMultiSet", p=projected)


def _push(left: CompValue, right: CompValue) -> CompValue:
    """A pattern equal to `left` joined with `right`, the join moved as deep as is exact."""
    if right.name == "Minus" and mentioned(right.p2) & possible(left) <= certain(right.p1):
        joined = _push(left, right.p1)
        return Minus(joined, _narrow(joined, right.p2))
    if right.name == "Filter" and mentioned(right.expr) & possible(left) <= certain(right.p):
        return Filter(right.expr, _push(left, right.p))
    return Join(left, _walk(right))
