"""What the bound on updates costs: the trial that computes an update's delta.

`EmbeddedStore.update_with_delta` computes the delta of an update that evaluates a pattern
in a worker process: on the update worker's mirror of the store (`service.store.mirror`),
brought up to date with the changes written since; without a mirror, on the update pool's
read-only view (`service.store.trial`), or on a writable checkpoint of its own. On the
example data and the ontology (embedded store on disk), medians of `REPEATS` runs,
interleaved so that every way sees the same machine:

* a small `DELETE/INSERT WHERE` (one arc's weight, + 1) through `update` (checks, trial on
  the mirror, write of the delta), beside the same checks and the database's own `update`
  (no trial); the mirror trial alone, the view trial alone, the checkpoint trial alone, and
  a write followed by a mirror trial or by a view trial;
* an `INSERT DATA` through `update` (its delta read here, no worker), beside the
  database's own `update`.

No target: the figures go in the closing note of the issue. Every way here writes, so each
view trial needs a new view: a RocksDB checkpoint after a write flushes the memtable, and
the worker opens it cold. The mirror needs none. Measured on this 2-core machine, busy with
other work: see the commit that brought the mirror.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from service.resources import DATA_DIR, ONTOLOGY_FILES
from service.store.delta import QuadDelta
from service.store.embedded import EmbeddedStore
from service.store.files import load_file
from service.store.trial import DeltaTrial

REPEATS = 41
MODIFY = (
    "PREFIX sb: <https://w3id.org/social-business#> "
    "PREFIX ex: <https://example.org/larkspur/> "
    "WITH <urn:triskel:file:example/organization.ttl> "
    "DELETE { ex:arcAvaMaya sb:weight ?w } INSERT { ex:arcAvaMaya sb:weight ?n } "
    "WHERE { ex:arcAvaMaya sb:weight ?w BIND(?w + 1 AS ?n) }"
)


def insert_data(run: int) -> str:
    """A one-triple `INSERT DATA`, a new triple each run."""
    return f"INSERT DATA {{ GRAPH <urn:bench:g> {{ <urn:bench:s{run}> <urn:bench:p> {run} }} }}"


def _untried(store: EmbeddedStore) -> Callable[[str], None]:
    """The update as it was applied before the trial: the same checks, then the engine."""

    def apply(update: str) -> None:
        store.check_update(update)
        with store._write_lock:
            store._db.update(update)

    return apply


def _view_trial(store: EmbeddedStore) -> None:
    """The trial without a mirror: the update evaluated on the pool's view of the store."""
    trial = DeltaTrial("", MODIFY, store.update_timeout_s, store.max_update_quads)
    store.run_in_worker(store.update_workers, lambda view: replace(trial, view=view or ""))


def _checkpoint_trial(store: EmbeddedStore) -> None:
    """The trial as it was: the update evaluated on a writable checkpoint of its own."""
    store._checkpoint_trial(DeltaTrial("", MODIFY, store.update_timeout_s, store.max_update_quads))


class _Tried(Exception):
    """Raised by `_mirror_trial`'s check: the delta was computed, nothing is written."""


def _refuse(_: QuadDelta) -> None:
    raise _Tried


def _mirror_trial(store: EmbeddedStore) -> None:
    """The update's delta computed on the update worker's mirror, then refused, as a
    guarded update refused by its check."""
    try:
        store.update_with_delta(MODIFY, check=_refuse)
    except _Tried:
        return


def _write_then(trial: Callable[[], None], store: EmbeddedStore) -> None:
    store.update(MODIFY)
    trial()


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(store: EmbeddedStore) -> dict[str, float]:
    """Median milliseconds of each way of applying each update, interleaved."""
    ways: dict[str, Callable[[int], None]] = {
        "modify, before (no trial)": lambda _: _untried(store)(MODIFY),
        "modify, after (trial + apply)": lambda _: store.update(MODIFY),
        "modify, mirror trial alone": lambda _: _mirror_trial(store),
        "modify, view trial alone": lambda _: _view_trial(store),
        "modify, checkpoint trial alone": lambda _: _checkpoint_trial(store),
        "modify, write + mirror trial": lambda _: _write_then(lambda: _mirror_trial(store), store),
        "modify, write + view trial": lambda _: _write_then(lambda: _view_trial(store), store),
        "INSERT DATA, before": lambda run: _untried(store)(insert_data(2 * run)),
        "INSERT DATA, after": lambda run: store.update(insert_data(2 * run + 1)),
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    store.update(MODIFY)  # the update worker started
    for run in range(REPEATS):
        for name, way in ways.items():
            started = time.perf_counter()
            way(run)
            samples[name].append(time.perf_counter() - started)
    return {name: _median_ms(found) for name, found in samples.items()}


def main() -> int:
    """Print the medians on the example data; no target."""
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "store")
        try:
            for path in [*ONTOLOGY_FILES, *sorted((DATA_DIR / "example").glob("*.ttl"))]:
                load_file(store, path)
            triples = store.count(all_graphs=True)
            medians = measure(store)
        finally:
            store.close()
    print(f"updates on the example data ({triples} quads), median of {REPEATS} runs:")
    for name, ms in medians.items():
        print(f"  {name:<32} {ms:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
