"""Algebra rewrites that turn a per-focus-node SHACL-SPARQL query into one set-based query.

Two rewrites, each applied only where it provably keeps the results of SHACL's pre-binding
semantics (SHACL §5.3.1: `$this` is replaced by one focus node before the query runs):

* `bind_targets(pattern, T)` joins the target pattern `T` (which binds `?this` to every focus
  node, once each) so that every expression and OPTIONAL that mentions `?this` (or
  `?currentShape`, `?shapesGraph`) sees it bound — `T` is pushed below filters, binds,
  optionals and unions instead of being joined on top where an expression would otherwise
  see `?this` unbound. Join with `T` is idempotent (T is a set of rows of distinct focus
  nodes), so pushing it into several branches changes nothing but speed.
* `not_exists_to_minus(pattern)` replaces `FILTER NOT EXISTS { B }` on a pattern `P` by
  `P MINUS { B }` when the two are equal: every variable of `B` that `P` may bind is certainly
  bound by `B` itself (so substituting a row into `B` is the same as a compatible join), and
  `P` and `B` certainly share a variable (MINUS ignores rows with disjoint domains).
  pyoxigraph runs NOT EXISTS as a nested loop and MINUS as a hash anti-join.

Both raise `Unsupported` for algebra they do not know, so the caller falls back to pySHACL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rdflib import BNode, Variable
from rdflib.paths import Path
from rdflib.plugins.sparql.algebra import Filter, Join, Minus
from rdflib.plugins.sparql.parserutils import CompValue

from service.validation.algebra_text import Unsupported, exists_pattern

THIS = Variable("this")

Var = Variable | BNode


def _pattern_terms(node: CompValue) -> Iterator[Any]:
    """Terms of triple patterns and GRAPH names directly in this node (not children)."""
    if node.name == "BGP":
        for s, p, o in node.triples:
            yield s
            yield o
            if not isinstance(p, Path):
                yield p
    elif node.name == "Graph":
        yield node.term


def is_var(term: Any) -> bool:
    """A variable, or a blank node of a pattern (which SPARQL treats as a variable)."""
    return isinstance(term, Variable | BNode)


def certain(node: CompValue) -> set[Var]:
    """Variables bound in every solution of the pattern."""
    name = node.name
    if name == "BGP":
        return {t for t in _pattern_terms(node) if is_var(t)}
    if name == "Join":
        return certain(node.p1) | certain(node.p2)
    if name in ("LeftJoin", "Minus"):
        return certain(node.p1)
    if name in ("Filter", "Extend"):
        return certain(node.p)
    if name == "Union":
        return certain(node.p1) & certain(node.p2)
    if name == "Graph":
        return certain(node.p) | ({node.term} if is_var(node.term) else set())
    if name == "ToMultiSet":
        return _multiset_vars(node.p, certain)
    if name == "Derived":
        return {node.s, node.o}
    raise Unsupported(f"pattern {name}")


def possible(node: CompValue) -> set[Var]:
    """Variables that some solution of the pattern may bind."""
    name = node.name
    if name == "BGP" or name == "Graph":
        own = {t for t in _pattern_terms(node) if is_var(t)}
        return own | (possible(node.p) if name == "Graph" else set())
    if name in ("Join", "LeftJoin", "Union"):
        return possible(node.p1) | possible(node.p2)
    if name in ("Minus", "Filter"):
        return possible(node.p1 if name == "Minus" else node.p)
    if name == "Extend":
        return possible(node.p) | {node.var}
    if name == "ToMultiSet":
        return _multiset_vars(node.p, possible)
    if name == "Derived":
        return {node.s, node.o}
    raise Unsupported(f"pattern {name}")


def _multiset_vars(node: CompValue, inner: Callable[[CompValue], set[Var]]) -> set[Var]:
    if node.name == "values":
        rows = [set(row) for row in node.res]
        if not rows:
            return set()
        return set.intersection(*rows) if inner is certain else set.union(*rows)
    while node.name in ("Distinct", "Reduced"):
        node = node.p
    if node.name != "Project":
        raise Unsupported(f"sub-select with {node.name}")
    return inner(node.p) & set(node.PV)


def mentioned(node: Any) -> set[Var]:
    """Every variable anywhere in a pattern or expression, EXISTS patterns included."""
    found: set[Var] = set()
    _collect(node, found)
    return found


def _collect(node: Any, found: set[Var]) -> None:
    if is_var(node):
        found.add(node)
    elif isinstance(node, CompValue):
        if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            _collect(exists_pattern(node), found)
            return
        found.update(t for t in _pattern_terms(node) if is_var(t))
        for key, value in node.items():
            if key in ("triples", "_vars"):
                continue
            _collect(value, found)
    elif isinstance(node, list | tuple):
        for item in node:
            _collect(item, found)
    elif isinstance(node, dict):
        for item in node.values():
            _collect(item, found)


# -- binding the pre-bound variables to the targets --


def bind_targets(
    node: CompValue, target: CompValue, prebound: frozenset[Variable] = frozenset({THIS})
) -> CompValue:
    """A pattern equal to joining `target` with `node` under SHACL pre-binding of the
    `prebound` variables (`target` binds them: ?this to each focus node, once each)."""
    if not mentioned(node) & prebound or _self_sufficient(node, prebound):
        return Join(target, node)
    name = node.name
    if name == "Filter":
        return Filter(node.expr, bind_targets(node.p, target, prebound))
    if name == "Extend":
        return copy_node(node, p=bind_targets(node.p, target, prebound))
    if name == "LeftJoin":
        return copy_node(
            node,
            p1=bind_targets(node.p1, target, prebound),
            p2=_fix(node.p2, target, prebound),
        )
    if name == "Join":
        first, second = (node.p1, node.p2) if mentioned(node.p1) & prebound else (node.p2, node.p1)
        return Join(bind_targets(first, target, prebound), _fix(second, target, prebound))
    if name == "Union":
        return copy_node(
            node,
            p1=bind_targets(node.p1, target, prebound),
            p2=bind_targets(node.p2, target, prebound),
        )
    raise Unsupported(f"a pre-bound variable inside {name}")  # GRAPH: targets live outside


def _fix(node: CompValue, target: CompValue, prebound: frozenset[Variable]) -> CompValue:
    """`node` itself when joining it with pre-bound rows already equals pre-binding."""
    if not mentioned(node) & prebound or _self_sufficient(node, prebound):
        return node
    return bind_targets(node, target, prebound)


def _self_sufficient(node: CompValue, prebound: frozenset[Variable]) -> bool:
    """Evaluating `node` alone and then joining the targets equals pre-binding: every use of
    a pre-bound variable in an expression sees it certainly bound by `node`'s own triples."""
    name = node.name
    if name in ("BGP", "Derived"):
        return True
    if name in ("Join", "Union"):
        return _self_sufficient(node.p1, prebound) and _self_sufficient(node.p2, prebound)
    if name in ("Filter", "Extend"):
        used = mentioned(node.expr) & prebound
        return _self_sufficient(node.p, prebound) and used <= certain(node.p)
    if name == "LeftJoin":
        right = mentioned(node.p2) | mentioned(node.expr)
        return _self_sufficient(node.p1, prebound) and not right & prebound
    if name == "Graph":
        return _self_sufficient(node.p, prebound)
    return not mentioned(node) & prebound


def required_parts(node: CompValue) -> list[CompValue]:
    """Cheap patterns every solution of `node` matches, so joining them relaxes it: its
    basic graph patterns, sub-selects, VALUES and shared relations, through joins, filters,
    binds and the left-hand sides of MINUS and OPTIONAL (not inside GRAPH or UNION)."""
    name = node.name
    if name in ("BGP", "ToMultiSet", "values", "Derived"):
        return [node]
    if name == "Join":
        return required_parts(node.p1) + required_parts(node.p2)
    if name in ("Minus", "LeftJoin"):
        return required_parts(node.p1)
    if name in ("Filter", "Extend"):
        return required_parts(node.p)
    return []


def join_all(parts: list[CompValue]) -> CompValue:
    """The join of one or more patterns, in their order."""
    joined = parts[0]
    for part in parts[1:]:
        joined = Join(joined, part)
    return joined


def copy_node(node: CompValue, **changes: Any) -> CompValue:
    """A changed copy of an algebra node (rewrites never touch the parsed original)."""
    copy = CompValue(node.name, **{k: v for k, v in node.items() if not k.startswith("_")})
    copy.update(changes)
    return copy


# -- NOT EXISTS as MINUS --


def not_exists_to_minus(node: CompValue, scope: frozenset[Var] = frozenset()) -> CompValue:
    """The pattern with every provably equivalent FILTER NOT EXISTS turned into MINUS, at
    every depth. `scope` holds the variables an enclosing EXISTS substitutes into `node`;
    a pattern that mentions one of them must stay a filter, since MINUS runs it alone."""
    if node.name != "Filter":
        return map_children(node, lambda child: not_exists_to_minus(child, scope))
    inner = not_exists_to_minus(node.p, scope)
    seen_by_filter = scope | possible(node.p)
    kept: list[Any] = []
    for conjunct in _conjuncts(node.expr):
        if _is_not_exists(conjunct):
            pattern = exists_pattern(conjunct)
            if _minus_equivalent(inner, pattern, scope):
                inner = Minus(inner, not_exists_to_minus(pattern))
                continue
        kept.append(_rewrite_exists_in(conjunct, seen_by_filter))
    return Filter(_and(kept), inner) if kept else inner


def map_children(node: CompValue, rewrite: Callable[[CompValue], CompValue]) -> CompValue:
    """`node` with `rewrite` applied to its child patterns; a sub-select is left whole (its
    variables are its own)."""
    changes = {k: rewrite(node[k]) for k in ("p", "p1", "p2") if isinstance(node.get(k), CompValue)}
    if node.name == "ToMultiSet" or not changes:
        return node
    return copy_node(node, **changes)


def _rewrite_exists_in(expr: Any, scope: frozenset[Var]) -> Any:
    """Rewrite NOT EXISTS patterns nested inside an expression that stays a filter."""
    if not isinstance(expr, CompValue):
        return expr
    if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        return copy_node(expr, graph=not_exists_to_minus(exists_pattern(expr), scope))
    changes = {
        k: [_rewrite_exists_in(x, scope) for x in v]
        if isinstance(v, list)
        else _rewrite_exists_in(v, scope)
        for k, v in expr.items()
        if not k.startswith("_")
    }
    return copy_node(expr, **changes)


def _conjuncts(expr: Any) -> list[Any]:
    if isinstance(expr, CompValue) and expr.name == "ConditionalAndExpression":
        return [c for part in [expr.expr, *(expr.other or [])] for c in _conjuncts(part)]
    return [expr]


def _and(parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    return CompValue("ConditionalAndExpression", expr=parts[0], other=parts[1:])


def _is_not_exists(expr: Any) -> bool:
    return isinstance(expr, CompValue) and expr.name == "Builtin_NOTEXISTS"


def _minus_equivalent(outer: CompValue, inner: CompValue, scope: frozenset[Var]) -> bool:
    """`Filter(NOT EXISTS inner, outer)` equals `Minus(outer, inner)`."""
    used = mentioned(inner)
    inner_certain = certain(inner)
    return (
        not used & scope
        and used & possible(outer) <= inner_certain
        and bool(inner_certain & certain(outer))
    )
