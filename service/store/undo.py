"""All-or-nothing application of an update's delta: an undo log beside the store.

An update is applied as its delta (`service.store.delta`): removals one quad at a time (or a
whole graph cleared), then one transactional `extend`. Those are several RocksDB writes, so
the delta's inverse is written first to `<store>.undo` and synced; the log is deleted once
the last write is done, the commit point. `recover`, run under the owner's lock before the
store serves, finds a complete log left by a crash or a failed write and undoes it: the
removed quads and dropped graphs come back, the added quads and created graphs go. Every
step is idempotent, so a crash during the undo is undone again at the next start. A log cut
short (a crash while writing it) was never followed by a write and is deleted.

A pure addition is one transaction and needs no log.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from service.store.delta import QuadDelta
from service.store.journal import fsync_dir

_END = ".\n"


def needs_log(delta: QuadDelta) -> bool:
    """True unless the delta is one transactional addition."""
    return bool(delta.removed or delta.dropped or delta.created or delta.emptied)


class UndoLog:
    """The undo log of one on-disk store."""

    def __init__(self, store_path: Path) -> None:
        self.path = store_path.with_name(store_path.name + ".undo")

    def write(self, delta: QuadDelta) -> None:
        """Write and sync the delta's inverse (before the delta is applied)."""
        lines = [f"R {q} .\n" for q in delta.removed]
        lines += [f"A {q} .\n" for q in delta.added]
        lines += [f"C {g}\n" for g in delta.created]
        lines += [f"D {g}\n" for g in delta.dropped]
        with open(self.path, "w", encoding="utf-8") as log:
            log.writelines(lines)
            log.write(_END)
            log.flush()
            os.fsync(log.fileno())
        fsync_dir(self.path.parent)

    def commit(self) -> None:
        """The delta is applied: forget the log."""
        self.path.unlink(missing_ok=True)
        fsync_dir(self.path.parent)

    def recover(self, db: ox.Store) -> bool:
        """Undo the write a complete log describes; True if there was one."""
        if not self.path.exists():
            return False
        text = self.path.read_text(encoding="utf-8")
        if text.endswith(_END):
            undo(db, text)
        self.commit()
        return text.endswith(_END)


def undo(db: ox.Store, text: str) -> None:
    """Put back what a log's write changed (idempotent)."""
    back: list[ox.Quad] = []
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind in ("R", "A"):
            (quad,) = ox.parse(rest.encode(), ox.RdfFormat.N_QUADS)
            if kind == "A":
                db.remove(quad)
            else:
                back.append(quad)
        elif kind in ("C", "D"):
            graph = _graph_name(rest)
            if kind == "C":
                db.remove_graph(graph)
            else:
                db.add_graph(graph)
    db.extend(back)


def _graph_name(text: str) -> ox.NamedNode | ox.BlankNode:
    """A graph name as `str` wrote it (`<iri>` or `_:id`)."""
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text[1:-1])
