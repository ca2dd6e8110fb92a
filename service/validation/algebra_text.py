"""Write rdflib SPARQL algebra back as SPARQL 1.1 query text (for pyoxigraph or an endpoint).

The compiler parses each SHACL-SPARQL query with rdflib, rewrites its algebra and needs the
result as text again. rdflib's own `translateAlgebra` drops OPTIONAL filters and BINDs, so
this writer covers the subset the compiler accepts and raises `Unsupported` for anything
else (aggregates, SERVICE, ORDER BY inside patterns...): the shape then falls back to
pySHACL instead of being run wrongly. Every group is written with explicit braces, so the
text has exactly the algebra's structure:

    Join(A, B)          → { A B }
    LeftJoin(A, B, e)   → { A OPTIONAL { B FILTER(e) } }
    Filter(e, A)        → { A FILTER(e) }
    Minus(A, B)         → { A MINUS B }
    Extend(A, ?v, e)    → { A BIND(e AS ?v) }
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue

BNODE_PREFIX = "_bn_"
"""Blank nodes of a pattern become variables with this prefix (they are variables in SPARQL,
and a label may not be shared between groups in query text)."""

_BINARY = {"ConditionalOrExpression": "||", "ConditionalAndExpression": "&&"}
_ARITHMETIC = ("AdditiveExpression", "MultiplicativeExpression")
_UNARY = {"UnaryNot": "!", "UnaryMinus": "-", "UnaryPlus": "+"}
_BUILTIN_KEYWORD = {"NOTEXISTS": "NOT EXISTS"}


class Unsupported(Exception):
    """The algebra uses something this writer does not handle; the caller falls back."""


def term(node: Any) -> str:
    """A term, variable or property path as SPARQL text."""
    if isinstance(node, Variable):
        return f"?{node}"
    if isinstance(node, BNode):
        return f"?{BNODE_PREFIX}{node}"
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    if isinstance(node, Path):
        return _path(node)
    raise Unsupported(f"term {node!r}")


def constant(node: Any) -> str:
    """An IRI or literal of the shapes as SPARQL text. A blank node of the shapes graph
    cannot be named in a query (in a pattern it would become a variable): `Unsupported`."""
    if isinstance(node, BNode):
        raise Unsupported(f"blank node {node} as a constant")
    return term(node)


def _path(path: Any) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if isinstance(path, InvPath):
        return f"^({_path(path.arg)})"
    if isinstance(path, SequencePath):
        return "(" + "/".join(_path(a) for a in path.args) + ")"
    if isinstance(path, AlternativePath):
        return "(" + "|".join(_path(a) for a in path.args) + ")"
    if isinstance(path, MulPath):
        return f"({_path(path.path)}){path.mod}"
    if isinstance(path, NegatedPath):
        return "!(" + "|".join(_path(a) for a in path.args) + ")"
    raise Unsupported(f"path {path!r}")


def expression(expr: Any) -> str:
    """A filter/bind expression as SPARQL text."""
    if not isinstance(expr, CompValue):
        return term(expr)
    name = expr.name
    if name in _BINARY:
        parts = [expr.expr, *_as_list(expr.other)]
        return "(" + f" {_BINARY[name]} ".join(expression(p) for p in parts) + ")"
    if name == "RelationalExpression":
        return _relational(expr)
    if name in _ARITHMETIC:
        text = expression(expr.expr)
        for op, other in zip(_as_list(expr.op), _as_list(expr.other), strict=True):
            text += f" {op} {expression(other)}"
        return f"({text})"
    if name in _UNARY:
        return f"({_UNARY[name]}{expression(expr.expr)})"
    if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        keyword = "NOT EXISTS" if name == "Builtin_NOTEXISTS" else "EXISTS"
        return f"{keyword} {group(exists_pattern(expr))}"
    if name.startswith("Builtin_"):
        keyword = _BUILTIN_KEYWORD.get(name[8:], name[8:])
        return f"{keyword}({', '.join(expression(a) for a in _arguments(expr))})"
    if name == "Function":
        distinct = "DISTINCT " if expr.distinct else ""
        args = ", ".join(expression(a) for a in _as_list(expr.expr))
        return f"{term(expr.iri)}({distinct}{args})"
    raise Unsupported(f"expression {name}")


def exists_pattern(expr: CompValue) -> CompValue:
    """The algebra of an EXISTS / NOT EXISTS pattern (rdflib leaves some untranslated)."""
    graph = expr.graph
    if graph.name in ("GroupGraphPatternSub", "SubSelect"):
        graph = translateGroupGraphPattern(graph)
        expr["graph"] = graph
    return cast(CompValue, graph)


def _relational(expr: CompValue) -> str:
    left = expression(expr.expr)
    if expr.op in ("IN", "NOT IN"):
        items = ", ".join(expression(o) for o in _as_list(expr.other))
        return f"({left} {expr.op} ({items}))"
    return f"({left} {expr.op} {expression(expr.other)})"


def _arguments(expr: CompValue) -> list[Any]:
    """A builtin's arguments in parse order (CompValue keeps insertion order)."""
    args: list[Any] = []
    for key, value in expr.items():
        if key.startswith("_"):
            continue
        args.extend(_as_list(value))
    return args


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def group(node: CompValue) -> str:
    """A graph pattern as a braced group."""
    return "{ " + _pattern(node) + " }"


def _pattern(node: CompValue) -> str:
    name = node.name
    if name == "BGP":
        return " ".join(f"{term(s)} {term(p)} {term(o)} ." for s, p, o in node.triples)
    if name == "Join":
        if _empty(node.p1) or _empty(node.p2):  # rdflib's join with `{ }`: the other side
            return _pattern(node.p2 if _empty(node.p1) else node.p1)
        return f"{group(node.p1)} {group(node.p2)}"
    if name == "LeftJoin":
        condition = _filter(node.expr)
        return f"{group(node.p1)} OPTIONAL {{ {group(node.p2)}{condition} }}"
    if name == "Filter":
        return f"{group(node.p)}{_filter(node.expr)}"
    if name == "Union":
        return f"{group(node.p1)} UNION {group(node.p2)}"
    if name == "Minus":
        return f"{group(node.p1)} MINUS {group(node.p2)}"
    if name == "Extend":
        return f"{group(node.p)} BIND({expression(node.expr)} AS {term(node.var)})"
    if name == "Graph":
        return f"GRAPH {term(node.term)} {group(node.p)}"
    if name == "ToMultiSet":
        return _multiset(node.p)
    if name == "Derived":  # a shared relation's table, filled in per run (`derived.render`)
        return f"{{{{derived:{node.relation} {term(node.s)} {term(node.o)}}}}}"
    raise Unsupported(f"pattern {name}")


def _empty(node: CompValue) -> bool:
    """The empty group `{ }`, the identity of a join. Written out, it nests the other side
    one group deeper, and Virtuoso then refuses a transitive path there whose end only the
    other patterns of that group bind ("neither end of it is bound")."""
    return node.name == "BGP" and not node.triples


def _filter(expr: Any) -> str:
    """` FILTER(e)`, or nothing for rdflib's always-true LeftJoin condition."""
    if expr is None or (isinstance(expr, CompValue) and expr.name == "TrueFilter"):
        return ""
    return f" FILTER({expression(expr)})"


def _multiset(node: CompValue) -> str:
    """A sub-select (projection, optional DISTINCT) or inline VALUES."""
    if node.name == "values":
        return values(node.res)
    distinct = ""
    if node.name in ("Distinct", "Reduced"):
        distinct, node = f"{node.name.upper()} ", node.p
    if node.name != "Project":
        raise Unsupported(f"sub-select with {node.name}")
    return f"{{ SELECT {distinct}{variables(node.PV)} WHERE {group(node.p)} }}"


def variables(names: Iterable[Variable]) -> str:
    """A projection list."""
    return " ".join(term(v) for v in names)


def values(rows: list[dict[Variable, Any]]) -> str:
    """An inline VALUES block (UNDEF where a row has no binding)."""
    names = sorted({v for row in rows for v in row})
    body = " ".join(
        "(" + " ".join(constant(row[v]) if v in row else "UNDEF" for v in names) + ")"
        for row in rows
    )
    return f"VALUES ({variables(names)}) {{ {body} }}"


def select(pattern: CompValue, projection: Iterable[Variable], *, distinct: bool) -> str:
    """A complete SELECT query over a pattern."""
    keyword = "SELECT DISTINCT" if distinct else "SELECT"
    return f"{keyword} {variables(projection)} WHERE {group(pattern)}"
