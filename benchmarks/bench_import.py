"""Import speed: `triskel import eventlog` of a generated CSV log into a fresh on-disk store.

Generates (seeded, once per size) a CSV event log in `benchmarks/out/`: cases of 5 to 15
events over 20 activities and 200 resources, in time order, with a case channel. Then
imports it as `triskel import` does (read and build, then the store's all-or-nothing load
into a fresh embedded store), `--runs` times, each in a fresh process, and prints the median
time of each step, the events per second and the peak memory, beside pyoxigraph's
`bulk_load` of the same triples (the floor of the write, parsed leniently as the store does)
and the machine's load average (the machine is shared: read the times by it).
The imported store is then validated (`benchmarks.validated`): by `triskel validate --store`
in a fresh process, then by `POST /validate` to a `triskel serve` of it. Target (issue 12):
1M events in at most 60 s, and the graph validated within the store's targets (10 s and
2 GB a million triples, through the service). `python -m benchmarks.bench_import --events N`
measures another size.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox

from benchmarks import validated as validation
from service.importers.contract import Source
from service.importers.run import prepare
from service.settings import Settings
from service.store import open_store

OUT = Path(__file__).parent / "out"
EVENTS = 1_000_000
TARGET_S = 60.0
CHANNELS = ("Internet", "Desk", "Post", "e-mail")
GRAPH = "urn:triskel:import:eventlog:bench"


def generate(path: Path, events: int, seed: int = 7) -> None:
    """A log of `events` events in cases of 5 to 15 events, written in case order."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    written = case = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("case:concept:name,concept:name,time:timestamp,org:resource,case:channel\n")
        while written < events:
            case += 1
            moment = start + timedelta(minutes=rng.randrange(500_000))
            channel = rng.choice(CHANNELS)
            for _ in range(min(rng.randrange(5, 16), events - written)):
                moment += timedelta(minutes=rng.randrange(1, 600))
                activity = f"activity {rng.randrange(20)}"
                who = f"R{rng.randrange(200)}"
                out.write(f"c{case},{activity},{moment.isoformat()},{who},{channel}\n")
                written += 1


def _fresh(name: str) -> Path:
    path = OUT / name
    shutil.rmtree(path, ignore_errors=True)
    return path


def measure(log: Path, path: Path) -> dict[str, float]:
    """One import as `triskel import eventlog` does it, in this process, into a fresh store at
    `path`: seconds of the read and build and in all, and the peak MiB."""
    started = time.perf_counter()
    prepared = prepare("eventlog", [Source(log.name, log.read_bytes())], options={})
    built = time.perf_counter() - started
    store = open_store(Settings(store_path=path))
    try:
        prepared.write(store)
    finally:
        store.close()
    return {
        "built": built,
        "seconds": time.perf_counter() - started,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_once(log: Path) -> dict[str, float]:
    """`measure` in a fresh interpreter (its peak RSS is the import's own), into a fresh
    store left for the validations that follow the runs."""
    path = _fresh("store-import")
    return validation.last_json(
        validation.fresh_run("benchmarks.bench_import", ["--measure", str(log), str(path)])
    )


def main(argv: list[str] | None = None) -> int:
    """Print the table; non-zero when the median import of 1M events (or `--events`) takes
    longer than the target (60 s per million) or the store's validations miss theirs."""
    parser = validation.import_parser("bench_import", "events", EVENTS, "LOG")
    args = parser.parse_args(argv or [])
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    events = args.events
    OUT.mkdir(exist_ok=True)
    log = OUT / f"eventlog-{events}.csv"
    if not log.exists():
        generate(log, events)
    print(f"{events:,} events, {log.stat().st_size / 1e6:.0f} MB of CSV, load {_load()}")
    prepared = prepare("eventlog", [Source(log.name, log.read_bytes())], options={})
    started = time.perf_counter()
    bulk = ox.Store(str(_fresh("store-bulk")))
    graph = ox.NamedNode(GRAPH)
    bulk.bulk_load(prepared.body, format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
    bulk.flush()
    baseline = time.perf_counter() - started
    del bulk
    _fresh("store-bulk")
    summary = prepared.report(written=True, dry_run=False)
    size, triples = len(prepared.body), prepared.triples
    del prepared
    runs = [_run_once(log) for _ in range(args.runs)]
    print(
        f"triples {summary['triples']:,} ({size / 1e6:.0f} MB N-Triples), "
        f"conversations {summary['conversations']:,}, arcs {summary['arcs']:,}"
    )
    built = statistics.median(run["built"] for run in runs)
    total = statistics.median(run["seconds"] for run in runs)
    peak = max(run["peak_mib"] for run in runs)
    times = ", ".join(f"{run['seconds']:.1f}" for run in runs)
    print(f"read and build   {built:6.1f} s  {events / built:9,.0f} events/s (median)")
    print(
        f"import in all    {total:6.1f} s median ({times})  {events / total:9,.0f} events/s  "
        f"peak {peak:,.0f} MiB  load {_load()}"
    )
    print(f"(bulk_load alone of the same triples, before the runs: {baseline:.1f} s)")
    limit = TARGET_S * events / EVENTS
    print(f"target: {limit:.0f} s for {events:,} events (60 s per million)")
    checked, _ = validation.line(validation.validated(OUT / "store-import"), triples)
    print(checked)
    answered, valid = validation.served_line(validation.served(OUT / "store-import"), triples)
    print(answered)
    _fresh("store-import")
    return 0 if total <= limit and valid else 1


def _load() -> str:
    """The machine's load average, to read the times by."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
