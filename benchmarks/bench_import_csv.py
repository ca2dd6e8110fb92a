"""Register import speed: `triskel import csv` of a generated `people.csv` (read, the RML
engine's run, build; nothing written), median of three, with the engine's peak memory.

Generates (once per size) `benchmarks/out/people-N.csv`: N people in 50 units. The engine
(SDM-RDFizer) runs in a child process per register, so its start is part of every import;
`--rows 10` measures about that alone. No target is set for registers (issue 12 sets none);
the table is there to see what a register of a given size costs.
`python -m benchmarks.bench_import_csv --rows N` measures another size.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from service.importers.contract import Source
from service.importers.run import prepare

OUT = Path(__file__).parent / "out"
ROWS = 10_000
RUNS = 3


def generate(path: Path, rows: int) -> None:
    """`rows` people, each with an id, a name, an address and one of 50 units."""
    with path.open("w", encoding="utf-8") as out:
        out.write("id,name,email,unit\n")
        for number in range(rows):
            out.write(f"E{number},Person {number},p{number}@acme.example,unit{number % 50}\n")


def main(argv: list[str] | None = None) -> int:
    """Print the table (always 0: there is no target to miss)."""
    parser = argparse.ArgumentParser(prog="bench_import_csv")
    parser.add_argument("--rows", type=int, default=ROWS)
    rows = parser.parse_args(argv or []).rows
    OUT.mkdir(exist_ok=True)
    register = OUT / f"people-{rows}.csv"
    if not register.exists():
        generate(register, rows)
    source = Source("people.csv", register.read_bytes())
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{rows:,} rows of people.csv, load {load}")
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        prepared = prepare("csv", [source], options={})
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    engine = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"people {prepared.summary.people:,}, triples {prepared.triples:,}")
    print(f"import (median of {RUNS})  {median:6.1f} s  {rows / median:9,.0f} rows/s")
    print(f"engine peak memory       {engine:6,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
