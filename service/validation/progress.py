"""A phase progress bar for long validations, drawn on a terminal stream.

`validate(..., on_phase=bar.phase)` reports its phases; the bar stays silent for the first
`delay` seconds (short runs print nothing), then redraws ten times a second on one line:
`validating [##########..........] 2/3 checking rules  4.1 s`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import TextIO

PHASES = ("reading data", "checking rules", "building report")
WIDTH = 30


class PhaseProgress:
    """Context manager: a background thread draws the current phase and the elapsed time
    (nothing at all when not `enabled`, e.g. when the stream is not a terminal)."""

    def __init__(
        self,
        out: TextIO,
        *,
        enabled: bool = True,
        phases: Sequence[str] = PHASES,
        delay: float = 1.0,
    ) -> None:
        self._out = out
        self._enabled = enabled
        self._phases = tuple(phases)
        self._delay = delay
        self._current = 0
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._drawn = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def phase(self, name: str) -> None:
        """Mark the start of a phase (unknown names keep the bar where it is)."""
        if name in self._phases:
            self._current = self._phases.index(name)

    def __enter__(self) -> PhaseProgress:
        self._start = time.monotonic()
        if self._enabled:
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._drawn:
            self._out.write("\r\033[K")
            self._out.flush()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            elapsed = time.monotonic() - self._start
            if elapsed >= self._delay:
                self._draw(elapsed)

    def _draw(self, elapsed: float) -> None:
        done = self._current + 1
        filled = WIDTH * self._current // len(self._phases)
        bar = "#" * filled + "." * (WIDTH - filled)
        name = self._phases[self._current]
        self._out.write(
            f"\rvalidating [{bar}] {done}/{len(self._phases)} {name}  {elapsed:.1f} s\033[K"
        )
        self._out.flush()
        self._drawn = True
