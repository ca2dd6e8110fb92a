"""Content names for blank nodes: what a blank node says, not the label a parser gave it.

A finding whose focus, value, path or shape is a blank node needs an id that survives export
and reload (the store and every parser relabel blank nodes). Its content name is a hash of
its description: the statements it is the subject of (a blank object described the same way,
a few levels deep, so a path list or a nested structure counts whole) and the statements it is
the object of (a blank subject written `_:`). Two blank nodes that say the same things share a
name, which is right: nothing else tells them apart.

>>> from rdflib import BNode, Graph, Literal, URIRef
>>> def place(label: str) -> Graph:
...     g, b = Graph(), BNode(label)
...     g.add((b, URIRef("urn:p"), Literal(1)))
...     return g
>>> a, b = place("x"), place("y")
>>> name_in_graph(a, BNode("x")) == name_in_graph(b, BNode("y"))
True
>>> name_in_graph(a, BNode("x")).startswith("_:h")
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.term import Node

from service.validation.rdfio import to_oxigraph

DEPTH = 4
"""Levels of nested blank objects a description follows (path lists, nested structures)."""

_DATA = ox.DefaultGraph()

Edges = Callable[[object], Iterable[tuple[str, object]]]
"""Outgoing (predicate text, object) or incoming (predicate text, subject) of a node."""


def name_in_store(store: ox.Store, node: BNode) -> str:
    """The content name of a blank node of the (validated) data, read from the default graph
    of `store`, where prepared data holds it: the live engine's view keeps its own graphs
    beside it (derived pairs, focus lists) that name the same blank nodes and are no data."""

    def outgoing(term: object) -> Iterable[tuple[str, object]]:
        assert isinstance(term, ox.BlankNode)
        quads = store.quads_for_pattern(term, None, None, _DATA)
        return ((q.predicate.value, q.object) for q in quads)

    def incoming(term: object) -> Iterable[tuple[str, object]]:
        assert isinstance(term, ox.BlankNode)
        quads = store.quads_for_pattern(None, None, term, _DATA)
        return ((q.predicate.value, q.subject) for q in quads)

    return _name(to_oxigraph(node), outgoing, incoming)


def name_in_graph(graph: Graph, node: BNode) -> str:
    """The content name of a blank node of an rdflib graph (a shapes graph)."""

    def outgoing(term: object) -> Iterable[tuple[str, object]]:
        return ((str(p), o) for _, p, o in graph.triples((term, None, None)))  # type: ignore[arg-type]

    def incoming(term: object) -> Iterable[tuple[str, object]]:
        return ((str(p), s) for s, p, _ in graph.triples((None, None, term)))  # type: ignore[arg-type]

    return _name(node, outgoing, incoming)


def _name(node: object, outgoing: Edges, incoming: Edges) -> str:
    lines = sorted(
        [*_describe(node, outgoing, DEPTH, frozenset()), *_incoming(node, incoming)],
    )
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return f"_:h{digest[:32]}"


def _describe(node: object, outgoing: Edges, depth: int, seen: frozenset[str]) -> list[str]:
    """`p o` lines of the node's statements; a blank object as its own nested description."""
    lines: list[str] = []
    for predicate, obj in outgoing(node):
        if _is_blank(obj) and depth > 0 and _key(obj) not in seen:
            inner = sorted(_describe(obj, outgoing, depth - 1, seen | {_key(node)}))
            lines.append(f"<{predicate}> [{' ; '.join(inner)}]")
        else:
            lines.append(f"<{predicate}> {_text(obj)}")
    return lines


def _incoming(node: object, incoming: Edges) -> list[str]:
    return [f"^<{predicate}> {_text(subject)}" for predicate, subject in incoming(node)]


def _is_blank(term: object) -> bool:
    return isinstance(term, ox.BlankNode | BNode)


def _key(term: object) -> str:
    return str(term)


def _text(term: object) -> str:
    """A term as N-Triples text, every blank node written alike."""
    if _is_blank(term):
        return "_:"
    if isinstance(term, Node):
        return str(to_oxigraph(term))
    return str(term)
