"""Bounded worker threads per kind of work, so that one client cannot starve the others.

Blocking calls leave the event loop through `anyio.to_thread.run_sync`, whose default pool
(40 threads) is shared by everything: 40 validations from one read token took every thread,
and `/health` waited 8-44 s behind them. Here each kind of work has its own bound:

* `HEALTH`: `/health` alone (two threads), never behind anything else;
* `STORE_CALLS`: the other store calls (queries wait on their worker processes there, Graph
  Store reads and writes, reports);
* `Admission`, one per app: validations, CPU-heavy and long. At most `workers` compute at
  once and `queue` more wait; beyond that the caller gets `LimitExceededError` (503 with
  `Retry-After`) at once. The thread only waits: the validation computes in a worker process
  (`service.reports.validations`), killed at the same budget. A validation abandoned at its
  budget (its caller already has a 503) keeps its place until its thread ends, which is when
  its worker is killed: so the CPU spent on validations stays within `workers` cores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio
from anyio.lowlevel import RunVar

from service.errors import LimitExceededError

P = ParamSpec("P")
T = TypeVar("T")


class Pool:
    """A limit on the worker threads of one kind of work, one per event loop (anyio's own
    default limiter is kept the same way)."""

    def __init__(self, name: str, size: int) -> None:
        self.size = size
        self._limiter: RunVar[anyio.CapacityLimiter] = RunVar(name)

    def limiter(self) -> anyio.CapacityLimiter:
        """This event loop's limiter, made at its first use."""
        try:
            return self._limiter.get()
        except LookupError:
            limiter = anyio.CapacityLimiter(self.size)
            self._limiter.set(limiter)
            return limiter

    async def run(self, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking call in one of this pool's threads."""
        call = partial(func, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=self.limiter())


HEALTH = Pool("triskel health", 2)
STORE_CALLS = Pool("triskel store calls", 32)


class Admission:
    """At most `workers` validations computing and `queue` waiting; more are refused."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers, self.queue = workers, queue
        self._computing = threading.BoundedSemaphore(workers)
        self._count_lock = threading.Lock()
        self._in_flight = 0
        self._threads = Pool("triskel validations", workers + queue)

    @property
    def in_flight(self) -> int:
        """Validations admitted whose thread has not ended (abandoned ones included)."""
        return self._in_flight

    def _take(self) -> None:
        with self._count_lock:
            if self._in_flight >= self.workers + self.queue:
                raise LimitExceededError(
                    f"too many validations at once: {self.workers} running and {self.queue} "
                    "waiting (TRISKEL_VALIDATION_WORKERS, TRISKEL_VALIDATION_QUEUE); retry later"
                )
            self._in_flight += 1

    def _give_back(self) -> None:
        with self._count_lock:
            self._in_flight -= 1

    async def run(self, func: Callable[[], T]) -> T:
        """Run `func` in a validation thread once a place is free, or raise
        `LimitExceededError` at once when none is. Cancelling the wait abandons the thread:
        it ends on its own and holds its place until then; cancelled before its thread
        started, it gives the place back and never runs."""
        self._take()
        state = {"started": False, "dropped": False}

        def admitted() -> T:
            with self._count_lock:
                if state["dropped"]:
                    raise LimitExceededError("abandoned before it started")
                state["started"] = True
            try:
                with self._computing:
                    return func()
            finally:
                self._give_back()

        limiter = self._threads.limiter()
        try:
            return await anyio.to_thread.run_sync(admitted, abandon_on_cancel=True, limiter=limiter)
        except BaseException:
            with self._count_lock:
                never_started = not state["started"]
                state["dropped"] = True
            if never_started:
                self._give_back()
            raise
