"""Run a query with a time budget although the engine itself cannot be interrupted.

pyoxigraph has no query timeout, but it releases the GIL while it evaluates, and it produces
answers lazily. So each query runs in its own daemon thread:

* the caller waits at most the budget, then gets `LimitExceededError` and is free at once;
* the abandoned thread checks a shared `Deadline` between answers, so a query that streams
  rows (a cartesian product, a long scan) stops at its next row and frees its thread;
* a query that computes for long before its first answer (a big `GROUP BY`, `ORDER BY`) runs
  on in the background; at most `MAX_RUNAWAYS` such threads may be alive, beyond that new
  queries are refused at once instead of piling up CPU and memory.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

from service.errors import LimitExceededError

T = TypeVar("T")

MAX_RUNAWAYS = 4
"""Abandoned queries still computing in the background before new ones are refused."""

_runaway_lock = threading.Lock()
_runaway_count = 0


class Deadline:
    """The moment a query must stop; `check()` raises once it has passed or was cancelled."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Tell the worker to stop at its next check."""
        self._cancelled.set()

    def check(self) -> None:
        """Raise `LimitExceededError` when the budget is spent."""
        if self._cancelled.is_set() or time.monotonic() > self._end:
            raise LimitExceededError(self.message())

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self._end - time.monotonic())

    def message(self) -> str:
        """The reason given to the caller."""
        return (
            f"the query ran longer than {self.seconds:g} s (TRISKEL_QUERY_TIMEOUT_S) "
            "and was abandoned"
        )


class _Outcome(Generic[T]):
    """What the worker thread produced: a value or an exception."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


def run_with_deadline(work: Callable[[Deadline], T], seconds: float) -> T:
    """Run `work(deadline)` in a worker thread; give up after `seconds`.

    Raises `LimitExceededError` on timeout (the worker stops at its next `deadline.check()`)
    or when too many abandoned queries are still running; re-raises what `work` raised.
    """
    deadline = Deadline(seconds)
    outcome: _Outcome[T] = _Outcome()

    def target() -> None:
        try:
            outcome.value = work(deadline)
        except BaseException as exc:  # handed over to the waiting caller
            _drop_frames(exc)
            outcome.error = exc
        finally:
            outcome.done.set()

    thread = threading.Thread(target=target, name="triskel-query", daemon=True)
    thread.start()
    if not outcome.done.wait(seconds):
        deadline.cancel()
        _watch_runaway(thread)
        raise LimitExceededError(deadline.message())
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]


def _drop_frames(exc: BaseException | None) -> None:
    """Free the locals of the frames an exception chain holds, here in the worker thread.

    pyoxigraph's answer iterators may only be dropped by the thread that made them; an
    exception carried to the caller would otherwise keep one alive in its traceback.
    """
    while exc is not None:
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__context__


def _watch_runaway(thread: threading.Thread) -> None:
    """Count an abandoned thread as a runaway until it ends."""
    global _runaway_count
    with _runaway_lock:
        _runaway_count += 1

    def release_when_done() -> None:
        global _runaway_count
        thread.join()
        with _runaway_lock:
            _runaway_count -= 1

    threading.Thread(target=release_when_done, name="triskel-runaway", daemon=True).start()


def runaways() -> int:
    """How many abandoned queries are still computing."""
    with _runaway_lock:
        return _runaway_count


def check_capacity() -> None:
    """Refuse a new query while `MAX_RUNAWAYS` abandoned queries are still computing."""
    if runaways() >= MAX_RUNAWAYS:
        raise LimitExceededError(
            f"{MAX_RUNAWAYS} timed-out queries are still finishing; try again shortly"
        )
