"""Run a query with a time budget although the engine itself cannot be interrupted.

pyoxigraph has no query timeout, but it releases the GIL while it evaluates, and it produces
answers lazily. So each query runs on a worker of a `QueryRunner` (a thread pool owned by
the store):

* the caller waits at most the budget, then gets `LimitExceededError` and is free at once;
* the abandoned worker checks a shared `Deadline` between answers, so a query that streams
  rows (a cartesian product, a long scan) stops at its next row and the worker is freed;
* a query that computes for long before its first answer (a big `GROUP BY`, `ORDER BY`)
  keeps its worker until it ends; at most `max_runaways` such queries may be running, beyond
  that new queries are refused at once instead of piling up CPU and memory.

A pool, not a thread per query: starting a thread costs about as much as a small query.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from service.errors import LimitExceededError

T = TypeVar("T")


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

    def message(self) -> str:
        """The reason given to the caller."""
        return (
            f"the query ran longer than {self.seconds:g} s (TRISKEL_QUERY_TIMEOUT_S) "
            "and was abandoned"
        )


class QueryRunner:
    """A pool of query workers with a per-query deadline and a cap on abandoned queries."""

    def __init__(self, *, workers: int = 32, max_runaways: int = 4) -> None:
        self.max_runaways = max_runaways
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="triskel-query")
        self._lock = threading.Lock()
        self._runaways = 0

    def runaways(self) -> int:
        """How many abandoned queries are still computing."""
        with self._lock:
            return self._runaways

    def run(self, work: Callable[[Deadline], T], seconds: float) -> T:
        """Run `work(deadline)` on a worker; give up after `seconds`.

        Raises `LimitExceededError` on timeout (the worker stops at its next
        `deadline.check()`) or when `max_runaways` abandoned queries are still computing;
        re-raises what `work` raised.
        """
        if self.runaways() >= self.max_runaways:
            raise LimitExceededError(
                f"{self.max_runaways} timed-out queries are still finishing; try again shortly"
            )
        deadline = Deadline(seconds)
        future = self._pool.submit(_framed, work, deadline)
        try:
            return future.result(timeout=seconds)
        except FutureTimeout:
            deadline.cancel()
            self._abandon(future)
            raise LimitExceededError(deadline.message()) from None

    def _abandon(self, future: Future[T]) -> None:
        """Count a timed-out query as a runaway until its worker is free again."""
        with self._lock:
            self._runaways += 1

        def freed(_: Future[T]) -> None:
            with self._lock:
                self._runaways -= 1

        future.add_done_callback(freed)

    def close(self) -> None:
        """Stop taking queries; running ones finish on their own."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _framed(work: Callable[[Deadline], T], deadline: Deadline) -> T:
    """Run `work`; if it fails, free its frames' locals here, in the worker thread.

    pyoxigraph's answer iterators may only be dropped by the thread that made them; an
    exception carried to the caller would otherwise keep one alive in its traceback.
    """
    try:
        return work(deadline)
    except BaseException as exc:
        error: BaseException | None = exc
        while error is not None:
            traceback.clear_frames(error.__traceback__)
            error = error.__context__
        raise
