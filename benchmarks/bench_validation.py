"""Validation benchmark: `fast` against plain pySHACL on generated organisations.

For each size (about 10k, 100k and 1M triples, `benchmarks.generate`, seeded) it prints the
load time, the validation time of `fast` (median of several runs) and of `pyshacl`, the
findings found against the planted ones, and the peak RSS. Every engine and size runs in
its own subprocess, so peak RSS is that run's alone. pySHACL runs where it can finish within
ten minutes: always at the smallest size (so the speed ratio is measured in the same run),
at a larger size only when an extrapolation from the smaller one stays under the limit; a
run past the limit is reported as such. Targets (issue 3): ≥100x faster than pySHACL at
~10k; ~1M in < 30 s and < 4 GB with every planted finding found.

    python -m benchmarks.bench_validation [--sizes 10000 100000 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import OUT_DIR, copies_for, generate, read_expected, write

SIZES = (10_000, 100_000, 1_000_000)
PYSHACL_LIMIT_S = 600.0
PYSHACL_GROWTH = 1.2
"""pySHACL's time grows like size**1.2 or faster (measured here: 54 s at 13k triples, 699 s
at 130k), so a larger size is only tried when that estimate stays under the limit."""
TARGET_RATIO = 100.0
TARGET_1M_S = 30.0
TARGET_1M_RSS_MB = 4096.0
SEED = 7


@dataclass(frozen=True)
class Measure:
    """One engine on one size, as the worker reports it."""

    load_s: float
    times: list[float]
    triples: int
    found: int
    expected: int
    missing: int
    extra: int
    rss_mb: float

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def worker(engine: str, data: Path, expected: Path, repeats: int) -> None:
    """Load, validate `repeats` times, compare with the planted findings; print JSON."""
    from service.validation import engine_named
    from service.validation.prepare import PreparedData
    from service.validation.shapes import load_builtin

    pack = load_builtin()
    start = time.perf_counter()
    prepared = PreparedData.from_paths([data])
    if engine == "pyshacl":
        _ = prepared.graph  # pySHACL reads an rdflib graph: building it is part of loading
    load_s = time.perf_counter() - start
    run = engine_named(engine)
    times, findings = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        findings = run(prepared, pack)
        times.append(time.perf_counter() - start)
    found = {(f.rule, str(f.focus), "" if f.value is None else str(f.value)) for f in findings}
    planted = read_expected(expected)
    report = {
        "load_s": load_s,
        "times": times,
        "triples": len(prepared),
        "found": len(found),
        "expected": len(planted),
        "missing": len(planted - found),
        "extra": len(found - planted),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(report))


def _measure(engine: str, data: Path, expected: Path, repeats: int) -> Measure | str:
    """Run the worker in a subprocess; a string says why there is no measure."""
    command = [sys.executable, "-m", "benchmarks.bench_validation", "--worker", engine]
    command += [str(data), str(expected), "--repeats", str(repeats)]
    timeout = PYSHACL_LIMIT_S + 300 if engine == "pyshacl" else None  # + loading
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "over the time limit"
    if done.returncode != 0:
        return "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    return Measure(**json.loads(done.stdout.strip().splitlines()[-1]))


def dataset(size: int) -> tuple[Path, Path]:
    data, expected = OUT_DIR / f"org-{size}.nt", OUT_DIR / f"org-{size}.expected.tsv"
    if not (data.exists() and expected.exists()):
        write(generate(copies_for(size), seed=SEED), data, expected)
    return data, expected


def _row(size: int, engine: str, result: Measure | str) -> str:
    if isinstance(result, str):
        return f"{size:>9,} {engine:<8} {'-':>9} {'-':>10} {'-':>12} {'-':>8}  {result}"
    findings = f"{result.found}/{result.expected}"
    if result.missing or result.extra:
        findings += f" (missing {result.missing}, extra {result.extra})"
    runs = f"n={len(result.times)}"
    return (
        f"{result.triples:>9,} {engine:<8} {result.load_s:>8.2f}s {result.median:>9.3f}s "
        f"{result.rss_mb:>10.0f}MB {runs:>8}  {findings}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the table; non-zero when a planted finding is missed or a target is not met.

    `triples` counts the validated data: the generated triples plus the ontology, concepts
    and the materialised sub-property / sub-class entailments."""
    args = _arguments(argv)
    if args.worker:
        worker(args.worker, Path(args.data), Path(args.expected), args.repeats)
        return 0
    print(f"{'triples':>9} {'engine':<8} {'load':>9} {'validate':>10} {'peak RSS':>12} "
          f"{'runs':>8}  findings/planted")  # fmt: skip
    status, pyshacl_s, previous = 0, None, None
    for size in args.sizes:
        data, expected = dataset(size)
        fast = _measure("fast", data, expected, args.repeats if size < 1_000_000 else 3)
        print(_row(size, "fast", fast), flush=True)
        status |= _check_fast(size, fast)
        reference = _pyshacl(size, data, expected, pyshacl_s, previous)
        print(_row(size, "pyshacl", reference), flush=True)
        if isinstance(reference, Measure):
            pyshacl_s, previous = reference.median, size
            if isinstance(fast, Measure):
                ratio = reference.median / fast.median
                status |= _report_ratio(size, ratio, is_smallest=size == args.sizes[0])
    return status


def _pyshacl(
    size: int, data: Path, expected: Path, known_s: float | None, known_size: int | None
) -> Measure | str:
    if known_s is not None and known_size is not None:
        estimate = known_s * (size / known_size) ** PYSHACL_GROWTH
        if estimate > PYSHACL_LIMIT_S:
            return f"not run: estimated {estimate:.0f}s from {known_size:,} (> 10 min)"
    result = _measure("pyshacl", data, expected, 1)
    if isinstance(result, Measure) and result.median > PYSHACL_LIMIT_S:
        return f"did not finish within 10 min ({result.median:.0f}s)"
    return result


def _check_fast(size: int, fast: Measure | str) -> int:
    if isinstance(fast, str):
        return 1
    failed = bool(fast.missing or fast.extra)
    if size >= 1_000_000:
        ok_time, ok_rss = fast.median < TARGET_1M_S, fast.rss_mb < TARGET_1M_RSS_MB
        print(f"          target ~1M: {fast.median:.1f}s < {TARGET_1M_S:.0f}s "
              f"{'met' if ok_time else 'MISSED'}, {fast.rss_mb:.0f}MB < "
              f"{TARGET_1M_RSS_MB:.0f}MB {'met' if ok_rss else 'MISSED'}")  # fmt: skip
        failed |= not (ok_time and ok_rss)
    return int(failed)


def _report_ratio(size: int, ratio: float, *, is_smallest: bool) -> int:
    met = ratio >= TARGET_RATIO
    verdict = ("met" if met else "MISSED") if is_smallest else "(informative)"
    print(f"          fast is {ratio:,.0f}x faster than pyshacl at ~{size:,} {verdict}")
    return int(is_smallest and not met)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=5, help="fast runs per size (median)")
    parser.add_argument("--worker", choices=["fast", "pyshacl"], help=argparse.SUPPRESS)
    parser.add_argument("data", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("expected", nargs="?", help=argparse.SUPPRESS)
    return parser.parse_args(argv if argv is not None else [])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
