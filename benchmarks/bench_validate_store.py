"""A validation of the embedded store: exported and re-parsed in a thread (before) against
read in place in a validation worker (now), side by side on the same store.

Before: `Snapshot.of_store` exports every graph as N-Triples, `validate` re-parses them,
the fingerprint re-reads the export. Now: `Validations.run` (what `POST /validate` calls)
sends a task to a worker process that opens a view of the store and builds the prepared data
and the fingerprint from its quads — after a write ("changed": a triple is written to a
scratch graph before each run, untimed), or not again while the store is unchanged
("unchanged": the worker keeps what it read of the view, as after a shapes change). All
include the report and the fingerprint; none keeps the report (a read-only caller after a
first kept one). Medians of warm runs (the first run of each, which pays a worker's start and
the rules' compilation, is printed apart), and the validation worker's peak RSS (VmHWM).

    python -m benchmarks.bench_validate_store [--sizes example,100000,FILE.nt] [--repeats 3]
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
    """Load the example organisation, a generated one of about `size` triples, or the
    N-Triples file `size` names (an organisation generated before)."""
    if size == "example":
        for path in sorted((DATA_DIR / "example").glob("*.ttl")):
            store.load(path.read_bytes(), media_type="text/turtle", graph=f"urn:x:{path.name}")
    else:
        data = Path(size) if size.endswith(".nt") else _dataset(int(size))[0]
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


def _times(
    run: Callable[[], int], repeats: int, before: Callable[[], object] = lambda: None
) -> tuple[float, list[float], int]:
    """The first run's time, the warm runs' times, and the finding count (`before` runs
    untimed before each run)."""
    timed: list[float] = []
    found = 0
    for _ in range(repeats + 1):
        before()
        start = time.perf_counter()
        found = run()
        timed.append(time.perf_counter() - start)
    return timed[0], timed[1:], found


def _scratch(store: EmbeddedStore) -> None:
    """A write to a scratch graph: the next validation reads a new view."""
    triple = f'<urn:bench:s{time.monotonic_ns()}> <urn:bench:p> "1" .'.encode()
    store.load(triple, media_type="application/n-triples", graph="urn:bench:scratch")


def _peak_mb(validations: Validations) -> float:
    """The largest peak RSS (VmHWM) of the live validation workers, in MB."""
    peaks = [0.0]
    for worker in list(validations.pool._workers):
        status = Path(f"/proc/{worker.process.pid}/status")
        for line in status.read_text().splitlines() if status.exists() else []:
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def _line(label: str, timed: tuple[float, list[float], int]) -> str:
    return f"{label} median {statistics.median(timed[1]):.2f} s (first {timed[0]:.2f} s)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="example,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("store validation: before (export + re-parse, thread) | now (in place, worker)")
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as folder:
            store = EmbeddedStore(Path(folder) / "store")
            validations = Validations(workers=1)
            try:
                quads = _fill(store, size)
                old = _times(partial(_before, store), args.repeats)
                now = partial(_now, store, validations)
                changed = _times(now, args.repeats, before=partial(_scratch, store))
                unchanged = _times(now, args.repeats)
                peak = _peak_mb(validations)
            finally:
                validations.close()
                store.close()
        counts = {old[2], changed[2], unchanged[2]}
        assert len(counts) == 1, f"the ways disagree: {old[2]}, {changed[2]}, {unchanged[2]}"
        print(
            f"  {Path(size).name:>8} ({quads} quads, {old[2]} findings): {_line('before', old)} | "
            f"{_line('now, changed', changed)} | {_line('now, unchanged', unchanged)} | "
            f"worker peak RSS {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
