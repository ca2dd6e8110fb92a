"""A progress bar for long loads: counts the bytes the parser reads from a file.

The parser pulls the file through `ProgressReader.read`, so the bar shows real parsing
progress; it redraws at most ten times a second, on one terminal line.
"""

from __future__ import annotations

import io
import time
from typing import IO, TextIO

WIDTH = 30


class ProgressReader(io.RawIOBase):
    """A binary file wrapper that draws `label [#####.....] 45% 36/80 MB` on `out`."""

    def __init__(self, raw: IO[bytes], *, total: int, label: str, out: TextIO) -> None:
        super().__init__()
        self._raw = raw
        self._total = max(total, 1)
        self._label = label
        self._out = out
        self._done = 0
        self._drawn_at = 0.0

    def readable(self) -> bool:
        """A reader, always."""
        return True

    def read(self, size: int = -1) -> bytes:
        """Read like the wrapped file, and redraw the bar now and then."""
        chunk = self._raw.read(size)
        self._done += len(chunk)
        now = time.monotonic()
        if not chunk:
            self.draw("parsed; storing...")
        elif now - self._drawn_at >= 0.1:
            self._drawn_at = now
            self.draw()
        return chunk

    def draw(self, note: str = "") -> None:
        """Redraw the bar, with an optional note after it."""
        share = min(self._done / self._total, 1.0)
        filled = int(share * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        sizes = f"{self._done / 1e6:.0f}/{self._total / 1e6:.0f} MB"
        self._out.write(f"\r{self._label} [{bar}] {share:4.0%} {sizes} {note}".rstrip())
        self._out.flush()

    def finish(self, note: str) -> None:
        """Draw the final state and end the line."""
        self.draw(note)
        self._out.write("\n")
        self._out.flush()
