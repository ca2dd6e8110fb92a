"""Refuse recursive shapes: SHACL leaves their validation undefined (SHACL §3.4.3).

A shape that refers back to itself through `sh:node`, `sh:property`, `sh:qualifiedValueShape`,
`sh:not`, `sh:and`, `sh:or` or `sh:xone` has no defined result; pySHACL backs out after a few
levels with a warning and the compiled engine ignores the cycle, so each would answer
something different. Processors may instead report a failure, which is what this does: the
shapes are refused (`ShapesError`, a 400 at the API) naming the cycle.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <urn:A> sh:node <urn:B> . <urn:B> sh:property [ sh:path <urn:p> ; sh:node <urn:A> ] .''')
>>> check_recursion(g, "s.ttl")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
service.errors.ShapesError: s.ttl: recursive shapes are not supported (SHACL §3.4.3): ...
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import BNode, Node

from service.errors import ShapesError

_REFERENCES = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])
_LISTS = (SH["and"], SH["or"], SH.xone)


def _referenced(graph: Graph, shape: Node) -> Iterator[Node]:
    """The shapes one shape refers to directly."""
    for predicate in _REFERENCES:
        yield from graph.objects(shape, predicate)
    for predicate in _LISTS:
        for head in graph.objects(shape, predicate):
            yield from Collection(graph, head)


def check_recursion(graph: Graph, name: str) -> None:
    """Raise `ShapesError` if any shape of `graph` reaches itself (depth-first, no recursion
    in Python either, so a long chain of shapes cannot exhaust the stack)."""
    finished: set[Node] = set()
    starts = {s for p in (*_REFERENCES, *_LISTS) for s in graph.subjects(p, None)}
    for start in sorted(starts, key=str):
        if start in finished:
            continue
        path: list[Node] = [start]
        on_path = {start}
        pending: list[Iterator[Node]] = [_referenced(graph, start)]
        while pending:
            following = next(pending[-1], None)
            if following is None:
                done = path.pop()
                on_path.discard(done)
                finished.add(done)
                pending.pop()
                continue
            if following in on_path:
                cycle = [*path[path.index(following) :], following]
                raise ShapesError(
                    f"{name}: recursive shapes are not supported (SHACL §3.4.3): "
                    + " -> ".join(_shown(node) for node in cycle)
                )
            if following not in finished:
                path.append(following)
                on_path.add(following)
                pending.append(_referenced(graph, following))


def _shown(node: Node) -> str:
    return "a blank node shape" if isinstance(node, BNode) else str(node)
