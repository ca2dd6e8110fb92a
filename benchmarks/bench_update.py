"""What the bound on updates costs: the trial of an update that evaluates a pattern.

`EmbeddedStore.update` tries such an update first in a worker process, on a writable
checkpoint of the store made for it and deleted after (`EmbeddedStore.try_update`), so that
a runaway is stopped at its budget. On the example data and the ontology (embedded store on
disk), medians of `REPEATS` runs, interleaved so that both sides see the same machine:

* a small `DELETE/INSERT WHERE` (one arc's weight, + 1) through `update` (checks, trial,
  apply), beside the same checks and the database's own `update` (what `update` did before
  the trial existed), and the trial alone;
* an `INSERT DATA` through `update` (never tried: it evaluates no pattern), beside the
  database's own `update`.

No target: the figures go in the closing note of the issue. Measured on this 2-core machine,
busy with other work (1,809 quads, medians of 41): the modify 0.71 ms before, 406 ms after,
of which the trial 399 ms; `INSERT DATA` 0.65 ms before, 0.32 ms after (no trial). A trial's
time is mostly RocksDB's: opening the writable checkpoint about 130 ms, the checkpoint 15 ms,
closing 20 ms and deleting it 25 ms (measured apart, idle), whatever the update.
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


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(store: EmbeddedStore) -> dict[str, float]:
    """Median milliseconds of each way of applying each update, interleaved."""
    ways: dict[str, Callable[[int], None]] = {
        "modify, before (no trial)": lambda _: _untried(store)(MODIFY),
        "modify, after (trial + apply)": lambda _: store.update(MODIFY),
        "modify, the trial alone": lambda _: store.try_update(MODIFY),
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
