"""The SPARQL and RDF fuzzers against a live `triskel serve`, for a bounded time.

Both fuzzers run at once (`benchmarks.fuzz`) against a fresh store holding the example data,
with a 3 s query and validation timeout, while `/health` is polled. Prints the cases run per
fuzzer and their statuses, crashes, 500s, late answers and the worst `/health` latency, then
every breach with its exact input. Returns 1 if the rule broke (any crash, 500 or late answer).

    python -m benchmarks.bench_fuzz [--seconds 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import shutil
import sys

from benchmarks.fuzz.runner import run_live
from benchmarks.generate import OUT_DIR


def main(argv: list[str] | None = None) -> int:
    """Fuzz for `--seconds`, print the figures and the breaches; 1 if the rule broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv if argv is not None else [])
    folder = OUT_DIR / "fuzz"  # a fresh store each run; the server's log stays to read
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    report = run_live(seconds=args.seconds, seed=args.seed, folder=folder)
    print(f"seed {args.seed}, {args.seconds:g} s; server log: {folder / 'serve.log'}")
    for line in report.lines():
        print(line)
    for breach in report.breaches:
        print(f"--- breach\n{breach}")
    return 0 if report.held else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
