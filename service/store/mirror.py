"""A mirror of the store in the update worker, so that an update's trial needs no new view.

An update that evaluates a pattern is tried in a worker process (`service.store.trial`), and
a trial on a read-only view cost ~450 ms after any write: a RocksDB checkpoint taken after a
write flushes the memtable, and the worker then opens the new checkpoint cold. Instead the
update worker keeps a *mirror*: an in-memory pyoxigraph store, built once from a view
(`BuildMirror`), then brought up to date before each trial with the changes the store
committed since (`Changes`, kept by the store in its `ChangeLog`), so it equals the store
without a checkpoint. Quads are copied as they are, blank-node labels included, so a delta
computed on the mirror names the store's own blank nodes.

Every write bumps the store's write generation; the mirror carries the generation it holds.
A mirror that the changes cannot bring to the generation a trial needs (the worker was
killed at the budget or crashed and came back empty; a bulk load whose quads are not known
one by one; more changes than the log keeps) answers None and is rebuilt: it is never used
stale. An operation that reads what an earlier one wrote is tried on the mirror itself,
written as it goes, and put back afterwards (`MirrorTrial`, `writable`).

The build reads every quad of the store (measured: 7 s at 100k quads, 112 s at 1M on a busy
2-core machine: decoding terms from RocksDB, not parsing, is the cost), so the store builds
it rarely, under its own budget, and falls back to the view when it cannot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyoxigraph as ox

from service.store.delta import QuadDelta, State, apply_operations, write_delta
from service.store.operations import operations
from service.store.workers import Views


@dataclass(frozen=True)
class Changes:
    """The store's committed changes after generation `since`, up to `generation`: one
    delta per write, in order (the write of generation `since + 1` first)."""

    since: int
    generation: int
    deltas: tuple[QuadDelta, ...]


class ChangeLog:
    """The store's write generation and the changes a mirror has not seen yet (parent side).

    `record` is called after every committed write with what it wrote, or None when that is
    not known quad by quad (a bulk load): a mirror older than such a write is rebuilt. The
    log keeps at most `max_quads` quads; past them it forgets and the mirror is rebuilt too.

    >>> log = ChangeLog(max_quads=10)
    >>> log.record(QuadDelta(created=frozenset({ox.NamedNode("urn:g")})))
    >>> changes = log.since(0)
    >>> (changes.since, changes.generation, len(changes.deltas))
    (0, 1, 1)
    >>> log.record(None)
    >>> print(log.since(1))
    None
    >>> log.since(2).deltas
    ()
    """

    def __init__(self, *, max_quads: int) -> None:
        self.max_quads = max_quads
        self.generation = 0
        self.mirrored: int | None = None
        """The generation the mirror was at after its last trial or build (a hint: the
        worker may have been killed since, and then says so)."""
        self._lock = threading.Lock()
        self._deltas: list[QuadDelta] = []
        self._start = 0
        self._quads = 0

    def record(self, delta: QuadDelta | None) -> None:
        """Note a committed write: its delta, or None when it is not known."""
        with self._lock:
            self.generation += 1
            size = len(delta.added) + len(delta.removed) if delta is not None else 0
            if delta is None or self._quads + size > self.max_quads:
                self._deltas, self._start, self._quads = [], self.generation, 0
                return
            self._deltas.append(delta)
            self._quads += size

    def since(self, generation: int) -> Changes | None:
        """The changes that bring a mirror at `generation` to the current one; None when
        they are not all kept."""
        with self._lock:
            if not self._start <= generation <= self.generation:
                return None
            deltas = tuple(self._deltas[generation - self._start :])
            return Changes(generation, self.generation, deltas)

    def pending(self) -> Changes | None:
        """The changes since the mirror's last known generation (None: build it first)."""
        mirrored = self.mirrored
        return None if mirrored is None else self.since(mirrored)

    def mirror_at(self, generation: int | None) -> None:
        """The mirror holds `generation` now (None: it holds nothing usable); the changes
        before it are forgotten."""
        with self._lock:
            self.mirrored = generation
            if generation is not None and generation > self._start:
                drop = min(generation, self.generation) - self._start
                for delta in self._deltas[:drop]:
                    self._quads -= len(delta.added) + len(delta.removed)
                del self._deltas[:drop]
                self._start += drop


class Mirror:
    """The update worker's in-memory copy of the store and the generation it holds."""

    def __init__(self) -> None:
        self.db = ox.Store()
        self.generation: int | None = None

    def build(self, view: ox.Store, generation: int) -> int:
        """Copy every quad and named graph of `view` (the store at `generation`); the count."""
        self.generation, self.db = None, ox.Store()
        self.db.extend(view.quads_for_pattern(None, None, None, None))
        for graph in view.named_graphs():
            self.db.add_graph(graph)
        self.generation = generation
        return len(self.db)

    def catch_up(self, changes: Changes) -> bool:
        """Write the changes this mirror has not seen; False when it cannot be brought to
        `changes.generation` by them (then it must be rebuilt)."""
        held = self.generation
        if held is None or not changes.since <= held <= changes.generation:
            return False
        self.generation = None  # a failure half-way leaves nothing usable
        for delta in changes.deltas[held - changes.since :]:
            write_delta(self.db, delta)
        self.generation = changes.generation
        return True

    def undo(self, delta: QuadDelta) -> None:
        """Put back what a writable trial wrote (its net delta), graph names included."""
        for graph in delta.created:
            self.db.remove_graph(graph)
        for quad in delta.added:
            self.db.remove(quad)
        for graph in delta.dropped:
            self.db.add_graph(graph)
        self.db.extend(delta.removed)


@dataclass(frozen=True)
class BuildMirror:
    """Build the worker's mirror from the view at `view`, the store at `generation` (a task:
    see `service.store.workers.Task`); the number of quads copied."""

    view: str
    generation: int
    timeout_s: float

    def run(self, views: Views) -> int:
        mirror = views.kept(Mirror)
        try:
            return mirror.build(views.open(self.view), self.generation)
        finally:
            views.close()  # the mirror holds the data now


@dataclass(frozen=True)
class MirrorTrial:
    """The delta of `update` computed on the worker's mirror once `changes` are written to
    it (a task); None when the mirror cannot be brought to `changes.generation`.

    With `writable`, the operations are written to the mirror as they are evaluated (a later
    one reads what an earlier one wrote, or a `LOAD` fetches) and undone afterwards,
    whatever happens."""

    update: str
    changes: Changes
    timeout_s: float
    max_quads: int
    base_iri: str | None = None
    writable: bool = False
    view: str = ""

    def run(self, views: Views) -> QuadDelta | None:
        mirror = views.kept(Mirror)
        if not mirror.catch_up(self.changes):
            return None
        state = State(mirror.db, writable=self.writable, max_quads=self.max_quads)
        if not self.writable:
            return apply_operations(state, operations(self.update, self.base_iri))
        try:
            return apply_operations(state, operations(self.update, self.base_iri))
        finally:
            _undo(mirror, state)


def _undo(mirror: Mirror, state: State) -> None:
    """Put the mirror back as it was before a writable trial; forget it when that fails."""
    generation, mirror.generation = mirror.generation, None
    mirror.undo(state.delta())
    mirror.generation = generation
