"""`triskel validate FILE` as a pipeline runs it: a fresh process per run, from reading the
file to the JSON report written, on the generated organisations of `bench_validation`.

Target (issue 10): a million triples in at most 10 s and 2 GB. Each size runs `--repeats`
times (default 3, each its own process); the median wall time and the highest peak RSS are
compared with the target, scaled to the size.

    python -m benchmarks.bench_validate_cli [--sizes 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics

from benchmarks.bench_validation import dataset
from benchmarks.validated import TARGET_MB, TARGET_S_PER_MILLION, validated_with

SIZES = (100_000, 1_000_000)


def main(argv: list[str] | None = None) -> int:
    """Print a line per size; non-zero when a target is not met."""
    args = _arguments(argv)
    status = 0
    print(f"{'triples':>9} {'median':>8} {'peak RSS':>10} {'runs':>5}  findings  target")
    for size in args.sizes:
        data, _ = dataset(size)
        runs = [validated_with([str(data)]) for _ in range(args.repeats)]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        limit = TARGET_S_PER_MILLION * size / 1_000_000
        met = seconds <= limit and peak <= TARGET_MB and all(r["code"] in (0, 1) for r in runs)
        status |= 0 if met else 1
        findings = {int(r["findings"]) for r in runs}
        print(
            f"{size:>9,} {seconds:>7.2f}s {peak:>8,.0f}MB {len(runs):>5}  "
            f"{'/'.join(map(str, sorted(findings)))}  {limit:.0f} s, {TARGET_MB:,.0f} MB: "
            f"{'met' if met else 'MISSED'} (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    return status


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
