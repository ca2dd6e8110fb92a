"""What the bound on updates costs: the trial that computes an update's delta.

`EmbeddedStore.update_with_delta` computes the delta of an update that evaluates a pattern
in a worker process (`service.store.trial`): on the update pool's read-only view when it
can, else on a writable checkpoint of its own (the old trial, kept for operations that read
what an earlier one wrote). On the example data and the ontology (embedded store on disk),
medians of `REPEATS` runs, interleaved so that every way sees the same machine:

* a small `DELETE/INSERT WHERE` (one arc's weight, + 1) through `update` (checks, trial,
  write of the delta), beside the same checks and the database's own `update` (no trial);
  the view trial alone, the checkpoint trial alone, and a write followed by a view trial;
* an `INSERT DATA` through `update` (its delta read here, no worker), beside the
  database's own `update`.

No target: the figures go in the closing note of the issue. Measured on this 2-core machine,
busy with other work (1,809 quads, medians of 41): modify before 0.83 ms, after 465 ms; the
view trial alone 446 ms, the checkpoint trial alone 308 ms; `INSERT DATA` 0.60 ms before,
0.86 ms after. Every way here writes, so each trial needs a new view, and a RocksDB
checkpoint after a write flushes the memtable (about 120-150 ms measured apart on this
disk). A trial on an unchanged view costs 5.6 ms, a new view without a pending write 39 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from service.resources import DATA_DIR, ONTOLOGY_FILES
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


def _checkpoint_trial(store: EmbeddedStore) -> None:
    """The trial as it was: the update evaluated on a writable checkpoint of its own."""
    store._checkpoint_trial(DeltaTrial("", MODIFY, store.update_timeout_s, store.max_update_quads))


def _write_then_try(store: EmbeddedStore) -> None:
    store.update(MODIFY)
    store.try_update(MODIFY)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(store: EmbeddedStore) -> dict[str, float]:
    """Median milliseconds of each way of applying each update, interleaved."""
    ways: dict[str, Callable[[int], None]] = {
        "modify, before (no trial)": lambda _: _untried(store)(MODIFY),
        "modify, after (trial + apply)": lambda _: store.update(MODIFY),
        "modify, the trial alone (view)": lambda _: store.try_update(MODIFY),
        "modify, checkpoint trial alone": lambda _: _checkpoint_trial(store),
        "modify, view after a write": lambda _: _write_then_try(store),
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
