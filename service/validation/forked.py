"""The rule queries of one run shared between this process and one forked child.

Every compiled constraint is one query, and the queries are independent: at a million
triples they are the largest part of a validation (about 18 s of 38 s on one core), and a
machine has more than one. The child is forked after the data is prepared, so it reads the
same in-memory store without a copy (the pages are shared until written, and neither side
writes the store); each side takes the next constraint from a shared counter until none is
left, and the child sends its findings back pickled. The findings come back in the
constraints' order, as one process gives them.

Forking is only safe where no other thread holds a lock the child needs: the CLI and the
validation workers ask for it (`processes=2`), the server's own threads never do. The
child dies with its parent (a validation worker killed at its budget takes it along) and
leaves by `os._exit`, running no cleanup of the parent's.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Any

from service.validation.model import Finding

Found = dict[int, list[Finding]]
"""Findings by the index of the constraint that found them."""


def share(count: int, findings_of: Callable[[int], list[Finding]]) -> list[Finding]:
    """`findings_of(i)` for every `i < count`, in order, computed by this process and a
    forked child together (see the module docstring). An error in the child is raised here:
    as it was when it can be pickled, else as a `RuntimeError` carrying its traceback."""
    counter = multiprocessing.get_context("fork").RawValue("i", 0)
    lock = multiprocessing.get_context("fork").Lock()

    def take() -> int:
        with lock:
            index: int = counter.value
            counter.value += 1
        return index

    def work() -> Found:
        found: Found = {}
        while (index := take()) < count:
            found[index] = findings_of(index)
        return found

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _child(write, work)
    os.close(write)
    try:
        mine = work()
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
        raise
    theirs = _collect(read, pid)
    return [f for index in sorted(mine | theirs) for f in (mine | theirs)[index]]


def _child(write: int, work: Callable[[], Found]) -> None:
    """Do the child's share and send it (or what went wrong), then leave at once."""
    _die_with_parent()
    try:
        reply: tuple[str, Any] = ("ok", work())
    except BaseException as exc:  # everything goes back to the parent
        reply = ("error", exc)
    try:
        payload = pickle.dumps(reply)
    except Exception:  # an exception that cannot be pickled
        payload = pickle.dumps(("bug", traceback.format_exc()))
    with os.fdopen(write, "wb") as out:
        out.write(payload)
    os._exit(0)


def _collect(read: int, pid: int) -> Found:
    """The child's findings, once it has sent them and ended."""
    with os.fdopen(read, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not payload:
        raise RuntimeError(f"the rule process ended without an answer (status {status})")
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise value
    if kind == "bug":
        raise RuntimeError(f"the rule process failed:\n{value}")
    assert isinstance(value, dict)
    return value


def _die_with_parent() -> None:
    """Ask Linux to kill this child when its parent goes (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


__all__ = ["share"]
