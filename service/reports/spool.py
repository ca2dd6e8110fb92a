"""A long sequence of results kept compressed: what a report of a large store holds.

A report pushed down to a remote engine may hold a hundred thousand results; as Python
objects (each with its finding, its rdflib terms and its context) they were the service's
largest allocation after the data itself (~0.7 KB a result). A `Spool` keeps them pickled
and compressed in blocks of `BLOCK`, written as they come (`append`), and unpickles one
block at a time when read, so a caller that walks the results holds one block, not all.
It is a read-only `Sequence` once `close`d: the report's views read it as they read a tuple.

>>> spool = Spool[int](block=2)
>>> for n in range(5):
...     spool.append(n)
>>> spool.close()
>>> len(spool), list(spool), spool[3], list(spool[1:4]), list(spool[-2:])
(5, [0, 1, 2, 3, 4], 3, [1, 2, 3], [3, 4])
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")

BLOCK = 1_000
"""Items per compressed block: big enough to compress well, small enough to unpickle fast."""


class Spool(Sequence[T], Generic[T]):
    """Items pickled and compressed in blocks; appended to until `close`, then read."""

    def __init__(self, *, block: int = BLOCK) -> None:
        self._block = block
        self._blocks: list[bytes] = []
        self._open: list[T] = []
        self._length = 0
        self._cached: tuple[int, list[T]] | None = None

    @classmethod
    def of(cls, items: Iterable[T]) -> Spool[T]:
        """The items, spooled as they come, closed."""
        spool = cls()
        for item in items:
            spool.append(item)
        spool.close()
        return spool

    def append(self, item: T) -> None:
        """Add an item at the end; a full block is compressed at once."""
        self._open.append(item)
        self._length += 1
        if len(self._open) == self._block:
            self._seal()

    def close(self) -> None:
        """Compress the last, partial block: nothing is added after this."""
        if self._open:
            self._seal()

    def _seal(self) -> None:
        self._blocks.append(zlib.compress(pickle.dumps(self._open, pickle.HIGHEST_PROTOCOL)))
        self._open = []

    def _read(self, index: int) -> list[T]:
        """Block `index` unpickled (the last one read is kept: `__getitem__` in a loop)."""
        if index == len(self._blocks):
            return self._open
        if self._cached is None or self._cached[0] != index:
            self._cached = (index, pickle.loads(zlib.decompress(self._blocks[index])))
        return self._cached[1]

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[T]:
        for index in range(len(self._blocks)):
            yield from pickle.loads(zlib.decompress(self._blocks[index]))
        yield from self._open

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("spool index out of range")
        return self._read(index // self._block)[index % self._block]
