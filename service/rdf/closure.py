"""What a walk along one relation reaches: the imports of an ontology, the organisations
above a unit.

>>> reachable(1, lambda n: [n * 2] if n < 8 else [1]) == {1, 2, 4, 8}
True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def reachable(start: T, step: Callable[[T], Iterable[T]]) -> set[T]:
    """`start` and every node `step` leads to from it, followed to the end (cycles too)."""
    seen: set[T] = set()
    todo = [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step(node))
    return seen
