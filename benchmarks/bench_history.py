"""What the report history costs: N kept validations of an unchanged 1M-triple store.

An organisation — generated (`benchmarks.generate`, every defect planted in every copy:
`rate=1.0`) or read from an N-Triples file (`--file`) — is loaded into an embedded store on
disk and validated once; that report is kept, then kept `--keeps` more times through the
history, as `POST /validate` by a writer keeps every validation of an unchanged store, under
a retention of `--keep` reports (`TRISKEL_HISTORY_KEEP`; by default every report is kept).
The first `--fresh` of the later keeps validate the store anew (snapshot, validation,
fingerprint); the others keep the first report again, which is what an unchanged store's
validation returns (finding ids are content ids), so what a keep adds is the same either way
and only the time differs: the growth of N keeps is N times a header's, minus what retention
drops. Reports are kept as the service keeps them by default, their first `MAX_RESULTS`
(10,000, `TRISKEL_MAX_REPORT_RESULTS`) results with the counts of all; a header that says so
(`sbr:resultsKept`) has 16 triples, 15 otherwise.

Printed: the first validation's cost, the triples of the system graphs (the ledger, the
series' states, the report graphs) before the first keep, after it and after all, what each
later keep added (least, median, most; target: the `--keeps` later ones add at most
`TARGET_ADDED` in all, issue 10: "100 validations of an unchanged 1M store add ≤ 5,000
triples in all"), the medians of `record` and of `read` (of the newest kept report, and of
the oldest: the far end of its series).

    python -m benchmarks.bench_history [--triples 1000000 | --file ORG.nt] [--keeps 100]
        [--keep 10] [--fresh 3] [--reads 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from benchmarks.generate import copies_for, generate
from service.rdf.formats import NTRIPLES
from service.reports.history import (
    Entry,
    Retention,
    new_entry,
    read,
    record,
    report_graphs,
    shapes_version,
)
from service.reports.ledger import LEDGER_GRAPH
from service.reports.model import Report
from service.reports.series import STATE_PREFIX
from service.reports.snapshot import Snapshot
from service.resources import ONTOLOGY_FILES
from service.store.embedded import EmbeddedStore
from service.store.files import load_file
from service.validation import ShapePack, from_sources, validate

TRIPLES = 1_000_000
KEEPS = 100
READS = 5
TARGET_ADDED = 5_000
T = TypeVar("T")


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """The value of `func()` and the seconds it took."""
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def progress(line: str) -> None:
    """A progress line on stderr, so that a long run shows how far it got."""
    print(line, file=sys.stderr, flush=True)


def loaded(folder: Path, triples: int, file: Path | None) -> EmbeddedStore:
    """An embedded store holding the ontology and the organisation (`file`, or generated)."""
    store = EmbeddedStore(folder / "store")
    for path in ONTOLOGY_FILES:
        load_file(store, path)
    data = generate(copies_for(triples), rate=1.0).ntriples() if file is None else file.read_bytes()
    store.load(data, media_type=NTRIPLES, graph="urn:bench:organisation")
    progress(f"loaded {store.count(all_graphs=True)} triples")
    return store


def system_triples(store: EmbeddedStore) -> dict[str, int]:
    """Triples in the history's system graphs: the ledger, the states, the report graphs."""
    graphs = store.graphs()
    return {
        "ledger": store.count(LEDGER_GRAPH) if LEDGER_GRAPH in graphs else 0,
        "states": sum(store.count(g) for g in graphs if g.startswith(STATE_PREFIX)),
        "reports": sum(store.count(g) for g in report_graphs(store)),
    }


class Keeper:
    """Keeps validations of the store through the history, as a writer's `POST /validate`."""

    def __init__(self, store: EmbeddedStore, retention: Retention) -> None:
        self.store = store
        self.retention = retention
        self.pack: ShapePack = from_sources([], builtin=True)
        self.shapes = shapes_version(self.pack)

    def validated(self) -> tuple[Report, str]:
        """A fresh validation of the store: its report and data fingerprint."""
        snapshot = Snapshot.of_store(self.store)
        return validate(snapshot.source(), shapes=self.pack), snapshot.fingerprint()

    def keep(self, report: Report, fingerprint: str) -> Entry:
        """Keep `report` as a new validation of the data with this fingerprint."""
        entry = new_entry(
            report, fingerprint=fingerprint, shapes=self.shapes, engine="fast", scope=None
        )
        record(self.store, report, entry, retention=self.retention)
        return entry


def measure(
    store: EmbeddedStore, *, keeps: int, retention: Retention, fresh: int, reads: int
) -> dict[str, float]:
    """The figures of the module docstring, in seconds and triples."""
    keeper = Keeper(store, retention)
    (report, fingerprint), validate_s = timed(keeper.validated)
    progress(f"validated: {len(report.results)} results in {validate_s:.1f} s")
    data = store.count(all_graphs=True)
    before = system_triples(store)
    first, first_s = timed(lambda: keeper.keep(report, fingerprint))
    after_first = system_triples(store)
    progress(f"first keep: {after_first} in {first_s:.1f} s")
    added: list[int] = []
    records: list[float] = []
    fresh_s: list[float] = []
    for n in range(keeps):
        if n < fresh:
            (made, made_fingerprint), seconds = timed(keeper.validated)
            assert made_fingerprint == fingerprint, "the store changed"
            fresh_s.append(seconds)
        else:
            made, made_fingerprint = report, fingerprint
        size = store.count(all_graphs=True)
        entry, seconds = timed(partial(keeper.keep, made, made_fingerprint))
        records.append(seconds)
        added.append(store.count(all_graphs=True) - size)
        if (n + 1) % 10 == 0 or n < fresh:
            progress(f"{n + 1} later keeps: {sum(added)} triples added, last {seconds:.1f} s")
    after = system_triples(store)
    kept = report_graphs(store)
    newest, oldest = kept[0].rsplit(":", 1)[-1], kept[-1].rsplit(":", 1)[-1]
    assert newest == entry.id
    figures: dict[str, float] = {
        "data triples": float(data),
        "results": float(len(report.results)),
        "results kept": float(first.results_kept or len(report.results)),
        "validation s": validate_s,
        "fresh validation median s": statistics.median(fresh_s) if fresh_s else 0.0,
        "first record s": first_s,
        **{f"{name} before": float(count) for name, count in before.items()},
        **{f"{name} after first": float(count) for name, count in after_first.items()},
        **{f"{name} after all": float(count) for name, count in after.items()},
        "reports kept": float(len(kept)),
        "keep added least": float(min(added, default=0)),
        "keep added median": float(statistics.median(added)) if added else 0.0,
        "keep added most": float(max(added, default=0)),
        "later keeps added": float(sum(after.values()) - sum(after_first.values())),
        "record median s": statistics.median(records) if records else 0.0,
    }
    if reads:
        figures["read newest median s"] = statistics.median(
            timed(lambda: read(store, newest))[1] for _ in range(reads)
        )
        figures["read oldest median s"] = statistics.median(
            timed(lambda: read(store, oldest))[1] for _ in range(reads)
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures; non-zero when the later keeps add more than `TARGET_ADDED`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=TRIPLES)
    parser.add_argument("--file", type=Path, help="an N-Triples organisation to load instead")
    parser.add_argument("--keeps", type=int, default=KEEPS, help="kept after the first")
    parser.add_argument("--keep", type=int, help="TRISKEL_HISTORY_KEEP (default: all)")
    parser.add_argument("--fresh", type=int, default=0, help="later keeps validated anew")
    parser.add_argument("--reads", type=int, default=READS)
    args = parser.parse_args([] if argv is None else argv)
    retention = Retention(args.keeps + 1 if args.keep is None else args.keep)
    with tempfile.TemporaryDirectory() as folder:
        store = loaded(Path(folder), args.triples, args.file)
        try:
            figures = measure(
                store, keeps=args.keeps, retention=retention, fresh=args.fresh, reads=args.reads
            )
        finally:
            store.close()
    for name, value in figures.items():
        digits = 3 if name.endswith(" s") else 0
        print(f"  {name:<28} {value:12.{digits}f}")
    added = figures["later keeps added"]
    print(
        f"  {args.keeps} later keeps (KEEP={retention.reports}, {args.fresh} validated anew) "
        f"added {added:.0f} triples to the system graphs (target ≤ {TARGET_ADDED})"
    )
    return 0 if added <= TARGET_ADDED else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
