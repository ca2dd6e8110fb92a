"""The moment a piece of work must stop, checked between the answers it produces.

pyoxigraph produces answers lazily, so code that reads them (the row cap, the serialisers)
checks a `Deadline` between answers and stops a query that streams past its budget. A query
that computes for long before its first answer cannot be interrupted this way: that is what
the worker processes of `service.store.workers` are for.
"""

from __future__ import annotations

import threading
import time

from service.errors import LimitExceededError


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
