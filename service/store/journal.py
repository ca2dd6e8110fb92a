"""All-or-nothing bulk writes on disk: a checkpoint taken before, restored if the write dies.

pyoxigraph's transactional `load`/`extend` keep the whole write in one RocksDB transaction,
about 3.5x slower than `bulk_extend`, which writes sorted files straight into the database
but is not atomic. To have both, a bulk write runs inside this journal:

1. `begin`: a RocksDB checkpoint of the current state (`Store.backup`: hard links, a few ms)
   is written to `<store>.journal.tmp/checkpoint`, then the folder is renamed
   `<store>.journal` — the rename is the "write in progress" mark;
2. the bulk write runs;
3. `commit`: the store is flushed and `<store>.journal` renamed away — the commit point.

`recover`, run before the store is opened, finds a `<store>.journal` left by a crash
(SIGKILL, power loss after the mark) or a failed write, and puts the checkpoint back in place
of the store: the whole old state. A crash before the mark or after the commit leaves the
store as it is: the whole old or the whole new state.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pyoxigraph import Store as OxStore


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal folders next to one on-disk store."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        self.active = store_path.with_name(store_path.name + ".journal")
        self._staging = store_path.with_name(store_path.name + ".journal.tmp")
        self._done = store_path.with_name(store_path.name + ".journal.done")

    def recover(self) -> bool:
        """Undo an unfinished bulk write (store closed). True if the old state was restored."""
        restored = False
        checkpoint = self.active / "checkpoint"
        if checkpoint.is_dir():
            shutil.rmtree(self.store_path, ignore_errors=True)
            checkpoint.rename(self.store_path)
            fsync_dir(self.store_path.parent)
            restored = True
        for leftover in (self.active, self._staging, self._done):
            shutil.rmtree(leftover, ignore_errors=True)
        return restored

    def begin(self, db: OxStore) -> None:
        """Checkpoint the current state and mark a bulk write as in progress."""
        shutil.rmtree(self._staging, ignore_errors=True)
        self._staging.mkdir(parents=True)
        db.backup(str(self._staging / "checkpoint"))
        fsync_dir(self._staging)
        self._staging.rename(self.active)
        fsync_dir(self.active.parent)

    def commit(self, db: OxStore) -> None:
        """Make the bulk write durable, then drop the mark (the commit point) and checkpoint."""
        db.flush()
        self.active.rename(self._done)
        fsync_dir(self._done.parent)
        shutil.rmtree(self._done, ignore_errors=True)
