"""A validation of the embedded store: exported and re-parsed in a thread (before) against
read in place in a validation worker (now), side by side on the same store.

Before: `Snapshot.of_store` exports every graph as N-Triples, `validate` re-parses them,
the fingerprint re-reads the export. Now: `Validations.run` (what `POST /validate` calls)
sends a task to a worker process that opens a view of the store and builds the prepared data
and the fingerprint from its quads. Both include the report and the fingerprint; neither keeps
the report (a read-only caller after a first kept one). Medians of warm runs (the first run of
each, which pays a worker's start and the rules' compilation, is printed apart).

    python -m benchmarks.bench_validate_store [--sizes example,100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks.bench_validate_api import _dataset
from service.reports.history import Retention
from service.reports.snapshot import Snapshot
from service.reports.validations import Keeping, Options, Posted, Validations
from service.resources import DATA_DIR
from service.store.embedded import EmbeddedStore
from service.validation import validate

BUDGET_S = 600.0


def _fill(store: EmbeddedStore, size: str) -> int:
    """Load the example organisation or a generated one of about `size` triples."""
    if size == "example":
        for path in sorted((DATA_DIR / "example").glob("*.ttl")):
            store.load(path.read_bytes(), media_type="text/turtle", graph=f"urn:x:{path.name}")
    else:
        data, _ = _dataset(int(size))
        store.load(data.read_bytes(), media_type="application/n-triples", graph="urn:bench:org")
    return store.count(all_graphs=True)


def _before(store: EmbeddedStore) -> int:
    snapshot = Snapshot.of_store(store)
    report = validate(snapshot.source())
    snapshot.fingerprint()
    return len(report.results)


def _now(store: EmbeddedStore, validations: Validations) -> int:
    keeping = Keeping(Retention(), 10_000, writer=False)
    until = time.monotonic() + BUDGET_S
    report, _ = validations.run(store, Posted(), Options(), keeping, until=until)
    return len(report.results)


def _times(run: Callable[[], int], repeats: int) -> tuple[float, list[float], int]:
    """The first run's time, the warm runs' times, and the finding count."""
    timed: list[float] = []
    found = 0
    for _ in range(repeats + 1):
        start = time.perf_counter()
        found = run()
        timed.append(time.perf_counter() - start)
    return timed[0], timed[1:], found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="example,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("store validation: before (export + re-parse, thread) | now (in place, worker)")
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as folder:
            store = EmbeddedStore(Path(folder) / "store")
            validations = Validations()
            try:
                quads = _fill(store, size)
                old = _times(partial(_before, store), args.repeats)
                new = _times(partial(_now, store, validations), args.repeats)
            finally:
                validations.close()
                store.close()
        assert old[2] == new[2], f"the two ways disagree: {old[2]} and {new[2]} findings"
        print(
            f"  {size:>8} ({quads} quads, {new[2]} findings): "
            f"before median {statistics.median(old[1]):.2f} s (first {old[0]:.2f} s) | "
            f"now median {statistics.median(new[1]):.2f} s (first {new[0]:.2f} s)"
        )


if __name__ == "__main__":
    main()
