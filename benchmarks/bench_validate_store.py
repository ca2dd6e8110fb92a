"""A validation of the embedded store: exported and re-parsed in a thread (before), read in
place in a validation worker (worker), and built from the live findings (live), side by side
on the same store, the ways taking turns in each round.

Before: `Snapshot.of_store` exports every graph as N-Triples, `validate` re-parses them,
the fingerprint re-reads the export. Worker: `Validations.run` without live findings sends a
task to a worker process that opens a view of the store and builds the prepared data and the
fingerprint from its quads — after a write ("changed": a triple is written to a scratch
graph before the run, untimed), or not again while the store is unchanged ("unchanged": an
untimed validation first reads the view, which the worker keeps, as after a shapes change).
Live: `Validations.run` with the store's live findings, as `POST /validate` calls it: the
report from the findings every write keeps current (a write before each run, through the
guard as the service writes). All include the report and the fingerprint; a report is kept
when its fingerprint is new (a read-only caller). Medians of warm runs (the first round,
which pays a worker's start and the rules' compilation, is printed apart); the validation
worker's peak RSS (VmHWM), and this process's RSS before the live runs (the live state it
holds) and its peak during them.

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

from benchmarks.bench_validation import dataset
from service.findings import LiveFindings
from service.guard import Guard, Load
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
        data = Path(size) if size.endswith(".nt") else dataset(int(size))[0]
        store.load(data.read_bytes(), media_type="application/n-triples", graph="urn:bench:org")
    return store.count(all_graphs=True)


def _before(store: EmbeddedStore) -> int:
    snapshot = Snapshot.of_store(store)
    report = validate(snapshot.source())
    snapshot.fingerprint()
    return len(report.results)


def _now(store: EmbeddedStore, validations: Validations, live: LiveFindings | None = None) -> int:
    keeping = Keeping(Retention(), 10_000, writer=False)
    until = time.monotonic() + BUDGET_S
    report, _ = validations.run(store, Posted(), Options(), keeping, until=until, live=live)
    return len(report.results)


class Timed:
    """One way's timings over the rounds: the first round's apart, and its finding count."""

    def __init__(self, run: Callable[[], int], before: Callable[[], object] = lambda: None):
        self.run, self.before = run, before
        self.times: list[float] = []
        self.found = 0

    def once(self) -> None:
        """`before` untimed, then one timed run."""
        self.before()
        start = time.perf_counter()
        self.found = self.run()
        self.times.append(time.perf_counter() - start)

    def line(self, label: str) -> str:
        warm = self.times[1:] or self.times
        return f"{label} median {statistics.median(warm):.2f} s (first {self.times[0]:.2f} s)"


def _scratch(store: EmbeddedStore, guard: Guard) -> None:
    """A write to a scratch graph through the guard, as the service writes: the next
    validation reads a new view, and the live findings follow it."""
    triple = f'<urn:bench:s{time.monotonic_ns()}> <urn:bench:p> "1" .'.encode()
    guard.apply(store, Load(triple, "application/n-triples", "urn:bench:scratch"))


def _own_peak(run: Callable[[], int], rss: list[tuple[float, float]]) -> Callable[[], int]:
    """`run`, noting in `rss` this process's RSS before it (the live state held) and its peak
    RSS over it (VmHWM reset before), in MB."""

    def measured() -> int:
        status = Path("/proc/self/status")
        Path("/proc/self/clear_refs").write_text("5")
        before = status_mb(status, "VmRSS")
        found = run()
        rss.append((before, status_mb(status, "VmHWM")))
        return found

    return measured


def status_mb(status: Path, field: str = "VmHWM") -> float:
    """A field of a process's status (VmHWM: its peak RSS) in MB, 0 when it is gone."""
    for line in status.read_text().splitlines() if status.exists() else []:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb(validations: Validations) -> float:
    """The largest peak RSS (VmHWM) of the live validation workers, in MB."""
    workers = list(validations.pool._workers)
    return max([0.0, *(status_mb(Path(f"/proc/{w.process.pid}/status")) for w in workers)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="example,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("store validation: before (export + re-parse, thread) | worker (in place) | live")
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as folder:
            store = EmbeddedStore(Path(folder) / "store")
            validations = Validations(workers=1)
            try:
                quads = _fill(store, size)
                live = LiveFindings.build(store, watch=False)
                write = partial(_scratch, store, Guard(live))
                now = partial(_now, store, validations)
                own: list[tuple[float, float]] = []
                ways = {
                    "before": Timed(partial(_before, store), write),
                    "worker, changed": Timed(now, write),
                    "worker, unchanged": Timed(now, before=now),
                    "live, changed": Timed(
                        _own_peak(partial(_now, store, validations, live), own), write
                    ),
                }
                for _ in range(args.repeats + 1):
                    for way in ways.values():
                        way.once()
                peak = _peak_mb(validations)
            finally:
                validations.close()
                store.close()
        counts = {way.found for way in ways.values()}
        assert len(counts) == 1, f"the ways disagree: {[w.found for w in ways.values()]}"
        lines = " | ".join(way.line(label) for label, way in ways.items())
        print(
            f"  {Path(size).name:>8} ({quads} quads, {counts.pop()} findings): {lines} | "
            f"worker peak RSS {peak:.0f} MB | this process during the live runs: RSS before "
            f"{max(b for b, _ in own):.0f} MB (the live state held), "
            f"peak {max(p for _, p in own):.0f} MB"
        )


if __name__ == "__main__":
    main()
