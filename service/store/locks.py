"""The embedded store's two locks: one owner process, and inside it readers and writers.

`ProcessLock`: one process at a time owns a store folder, whatever it is doing. Opening the
store runs crash recovery (`service.store.journal`), which replaces the store folder by a
checkpoint when it finds a bulk write's mark; run by a second process while the first is in
the middle of a bulk write, that step destroyed the live store. So the lock is taken before
recovery and before the database opens, held until `close`, and a second process is
refused at once with the owner's PID. It is an advisory `flock` on `<store>.lock`, beside
the folder (recovery replaces the folder itself): the kernel drops it when the owner dies,
so a crash never leaves a stale lock.

`ReadWriteLock`: transactional writes need no exclusion from readers (RocksDB snapshots give
each query one consistent state), but a bulk write becomes visible file by file; readers
are kept out while it runs so that a query sees the state before it or after it, never
between.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.errors import StoreError


class ProcessLock:
    """An exclusive, process-wide claim on one store folder.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "store"
    >>> first, second = ProcessLock(folder), ProcessLock(folder)
    >>> first.acquire()
    >>> second.acquire()  # another open file description: refused like another process
    Traceback (most recent call last):
    ...
    service.errors.StoreError: the store is in use by another process (pid ...)...
    >>> first.release(); second.acquire(); second.release()
    """

    def __init__(self, store_path: Path) -> None:
        self.path = store_path.with_name(store_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `StoreError` naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"the store is in use by another process (pid {owner}); stop it, or work "
                "through that process (its HTTP API)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (closing the descriptor drops the flock); harmless twice."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class ReadWriteLock:
    """Shared for readers, exclusive for a writer; a waiting writer goes before new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    @contextmanager
    def reading(self, *, wait_s: float | None = None) -> Iterator[None]:
        """Hold the lock shared for the block; `TimeoutError` when a writer held it or
        waited for it for `wait_s` (None: wait as long as it takes).

        >>> lock = ReadWriteLock()
        >>> with lock.writing(), lock.reading(wait_s=0.01):
        ...     pass
        Traceback (most recent call last):
        ...
        TimeoutError: a write holds the store
        """
        with self._cond:
            if not self._cond.wait_for(self._open_to_readers, timeout=wait_s):
                raise TimeoutError("a write holds the store")
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def _open_to_readers(self) -> bool:
        return not self._writing and not self._waiting_writers

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock exclusively for the block."""
        with self._cond:
            self._waiting_writers += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()
