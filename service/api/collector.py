"""The serving process's garbage collector: full collections that walk what is new, not the
whole heap.

CPython's cyclic collector walks every object it tracks in a full (generation 2) collection
and holds the GIL while it does, so the event loop and every thread stop. The serving
process keeps a large heap for as long as it runs (the live findings model the store's
data), and a large write grows it: a 200k-triple upload grew it to 1.4M objects and spent
30 s in full collections, each a pause of up to 2.9 s, and `/health` waited for every one.

So, after each full collection, the objects that survived it are frozen (`gc.freeze`):
moved to a generation no collection walks. The next full collection walks only the objects
that came after, so its pause follows what was allocated since, not the size of the heap.
Frozen objects are still freed by reference counting when their last reference goes; what
freezing gives up is reclaiming a *cycle* that was alive at a full collection and became
garbage later. To bound that, when the frozen objects have grown `growth` times over since
everything was last walked, they are unfrozen and the next full collection walks them all
once (the pause of a plain collector, once per such growth of the heap), then freezes its
survivors again. The collector's own triggers are unchanged.

Only `triskel serve` installs this (`install`), for its own process; query and validation
workers and the tests' processes collect as usual.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

GROWTH = 2.0
"""How many times over the frozen objects may grow before the next full collection walks
them all again (and so how much cyclic garbage freezing may hold back at most)."""
FLOOR = 200_000
"""The fewest frozen objects that count as a heap worth not walking (a fresh process holds
about 120k): below that, nothing is walked again on growth."""


class FrozenSurvivors:
    """The policy of the module docstring, as a `gc.callbacks` entry.

    >>> policy = FrozenSurvivors()
    >>> policy.install(); policy.install()  # once only
    >>> gc.collect() >= 0 and gc.get_freeze_count() > 0
    True
    >>> policy.uninstall(); gc.get_freeze_count()
    0
    """

    def __init__(self, *, growth: float = GROWTH, floor: int = FLOOR) -> None:
        self.growth, self.floor = growth, floor
        self._baseline = 0
        self._walk_all = False
        self._lock = threading.Lock()

    def install(self) -> None:
        """Freeze what the process holds now and freeze survivors from now on."""
        with self._lock:
            if self._collected in gc.callbacks:
                return
            gc.collect()
            gc.freeze()
            self._baseline = gc.get_freeze_count()
            gc.callbacks.append(self._collected)

    def uninstall(self) -> None:
        """Stop freezing and give every frozen object back to the collector."""
        with self._lock:
            if self._collected in gc.callbacks:
                gc.callbacks.remove(self._collected)
            gc.unfreeze()

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        """After each full collection: freeze its survivors, or, when the frozen objects
        have grown `growth` times since everything was last walked, unfreeze them so that
        the next full collection walks everything."""
        if phase != "stop" or info["generation"] != 2:
            return
        gc.freeze()
        frozen = gc.get_freeze_count()
        if self._walk_all:  # this collection walked everything: a new baseline
            self._walk_all, self._baseline = False, frozen
        elif frozen > self.growth * max(self._baseline, self.floor):
            gc.unfreeze()
            self._walk_all = True
