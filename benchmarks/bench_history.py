"""What the report history costs: 100 kept validations of an unchanged 1M-triple store.

A generated organisation (`benchmarks.generate`, every defect planted in every copy:
`rate=1.0`, about 124k report items at 1M triples) is loaded into an embedded store on disk
and validated once; that report is kept, then kept `KEEPS` more times through the history,
as `POST /validate` by a writer keeps every validation of an unchanged store (the same data
gives the same report, so the report is made once and kept again under fresh entries).

Printed: the first validation's cost (validation, fingerprint, `record` of every item it
opens), the triples the `KEEPS` later reports add in all (target: at most `TARGET_ADDED`,
issue 10: "100 validations of an unchanged 1M store add ≤ 5,000 triples in all"), and the
medians of `record` and of `read` (of the newest report, and of the oldest: the far end of
its series).

    python -m benchmarks.bench_history [--triples 1000000] [--keeps 100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from benchmarks.generate import copies_for, generate
from service.rdf.formats import NTRIPLES
from service.reports.history import Entry, Retention, new_entry, read, record, shapes_version
from service.reports.model import Report
from service.reports.snapshot import Snapshot
from service.resources import ONTOLOGY_FILES
from service.store.embedded import EmbeddedStore
from service.store.files import load_file
from service.validation import from_sources, validate

TRIPLES = 1_000_000
KEEPS = 100
READS = 5
TARGET_ADDED = 5_000
KEEP_ALL = Retention(KEEPS + 1)
T = TypeVar("T")


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """The value of `func()` and the seconds it took."""
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def loaded(folder: Path, triples: int) -> EmbeddedStore:
    """An embedded store holding the ontology and a generated organisation."""
    store = EmbeddedStore(folder / "store")
    for path in ONTOLOGY_FILES:
        load_file(store, path)
    data = generate(copies_for(triples), rate=1.0).ntriples()
    store.load(data, media_type=NTRIPLES, graph="urn:bench:organisation")
    return store


def keep(store: EmbeddedStore, report: Report, snapshot: Snapshot, shapes: str) -> Entry:
    """Keep `report` as a new validation of the store's (unchanged) state."""
    entry = new_entry(
        report, fingerprint=snapshot.fingerprint(), shapes=shapes, engine="fast", scope=None
    )
    record(store, report, entry, retention=KEEP_ALL)
    return entry


def measure(store: EmbeddedStore, keeps: int) -> dict[str, float]:
    """The figures of the module docstring, in seconds and triples."""
    pack = from_sources([], builtin=True)
    shapes = shapes_version(pack)
    snapshot, snap_s = timed(lambda: Snapshot.of_store(store))
    report, validate_s = timed(lambda: validate(snapshot.source(), shapes=pack))
    fingerprint_s = timed(snapshot.fingerprint)[1]
    before = store.count(all_graphs=True)
    first, first_s = timed(lambda: keep(store, report, snapshot, shapes))
    after_first = store.count(all_graphs=True)
    records = [timed(lambda: keep(store, report, snapshot, shapes)) for _ in range(keeps)]
    newest = records[-1][0]
    reads_newest = [timed(lambda: read(store, newest.id))[1] for _ in range(READS)]
    reads_oldest = [timed(lambda: read(store, first.id))[1] for _ in range(READS)]
    return {
        "data triples": float(before),
        "results": float(len(report.results)),
        "export (snapshot) s": snap_s,
        "validation s": validate_s,
        "fingerprint s": fingerprint_s,
        "first record s": first_s,
        "first record triples": float(after_first - before),
        "later records triples": float(store.count(all_graphs=True) - after_first),
        "record median s": statistics.median(s for _, s in records),
        "read newest median s": statistics.median(reads_newest),
        "read oldest median s": statistics.median(reads_oldest),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures; non-zero when the later reports add more than `TARGET_ADDED`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=TRIPLES)
    parser.add_argument("--keeps", type=int, default=KEEPS)
    args = parser.parse_args([] if argv is None else argv)
    with tempfile.TemporaryDirectory() as folder:
        store = loaded(Path(folder), args.triples)
        try:
            figures = measure(store, args.keeps)
        finally:
            store.close()
    for name, value in figures.items():
        digits = 3 if name.endswith(" s") else 0
        print(f"  {name:<24} {value:12.{digits}f}")
    added = figures["later records triples"]
    print(f"  {args.keeps} later reports added {added:.0f} triples (target ≤ {TARGET_ADDED})")
    return 0 if added <= TARGET_ADDED else 1


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
