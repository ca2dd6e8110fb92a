"""Live validation benchmark: a small write's incremental check against a full validation.

For each size (about 100k and 1M triples: `benchmarks.generate` with every defect kind
planted in every copy, `--rate 1.0`, one finding per ~68 triples; `data/example` has one
per ~43) a worker process builds the live state once (`LiveValidation`, timed: the start-up),
times a full validation of the same data side by side, then applies random small writes
(`tests/live_writes.write`, at most `MAX_WRITE` quads each, drawn from a sample of the
data) and reports the median and 95th percentile of `apply`. Every `--check-every` writes
(and after the last) the live findings are compared with a fresh full validation of the
current quads: the differential test at size. Issue 10's targets: a write of at most 20
triples at p50 ≤ 50 ms and p95 ≤ 200 ms at 1M.

    python -m benchmarks.bench_live [--sizes 100000 1000000] [--steps 5000] [--check-every 500]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time

SIZES = (100_000, 1_000_000)
STEPS = 5_000
"""Writes per size (`make bench`: issue 10 asks for 5,000 differential steps)."""
CHECK_EVERY = 500
"""Writes between two comparisons with a full validation (a full run at 1M takes ~20 s)."""
MAX_WRITE = 20
POOL = 5_000
"""Quads sampled from the data that writes draw their triples from (and added quads)."""
SEED = 7
TARGET_P50_S = 0.050
TARGET_P95_S = 0.200


def worker(size: int, steps: int, check_every: int) -> dict[str, object]:
    """Build, write, compare; the figures as a dict."""
    import pyoxigraph as ox

    from benchmarks.generate import copies_for, generate
    from service.validation import validate
    from service.validation.live import LiveValidation
    from service.validation.prepare import PreparedData
    from service.validation.rdfio import Source, parse
    from service.validation.shapes import load_builtin
    from tests.live_writes import write

    org = generate(copies_for(size), seed=SEED, rate=1.0)
    triples = parse(Source("<generated>", org.ntriples(), "nt"))
    quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    pack = load_builtin()
    validate(PreparedData.from_quads(quads[:1000]), shapes=pack)  # compile the pack once

    def full() -> tuple[set[tuple[object, ...]], float]:
        start = time.perf_counter()
        report = validate(PreparedData.from_quads(live.data.user_quads()), shapes=pack)
        seconds = time.perf_counter() - start
        return {(f.rule, f.severity, f.focus, f.value, f.path) for f in report.findings}, seconds

    start = time.perf_counter()
    live = LiveValidation(quads, pack)
    build_s = time.perf_counter() - start
    rng = random.Random(SEED)
    pool = rng.sample(quads, min(POOL, len(quads)))
    times: list[float] = []
    full_times: list[float] = []
    mismatches = 0
    for step in range(1, steps + 1):
        delta = write(rng, live.data, pool)
        while len(delta.added) + len(delta.removed) > MAX_WRITE:
            delta = write(rng, live.data, pool)
        start = time.perf_counter()
        live.apply(delta)
        times.append(time.perf_counter() - start)
        pool.extend(delta.added)
        if step % check_every == 0 or step == steps:
            expected, seconds = full()
            full_times.append(seconds)
            now = {(f.rule, f.severity, f.focus, f.value, f.path) for f in live.findings()}
            mismatches += now != expected
    quantiles = statistics.quantiles(times, n=20)
    return {
        "triples": len(quads),
        "findings": len(live.findings()),
        "build_s": build_s,
        "full_s": statistics.median(full_times),
        "p50_s": statistics.median(times),
        "p95_s": quantiles[18],
        "max_s": max(times),
        "steps": steps,
        "checks": len(full_times),
        "mismatches": mismatches,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the table; non-zero when live and full findings differ or a 1M target is missed."""
    args = _arguments(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.steps, args.check_every)))
        return 0
    print(f"{'triples':>9} {'findings':>8} {'start-up':>9} {'full':>8} {'write p50':>10} "
          f"{'p95':>8} {'max':>8} {'ratio':>7} {'peak RSS':>9}  differential")  # fmt: skip
    status = 0
    for size in args.sizes:
        command = [sys.executable, "-m", "benchmarks.bench_live", "--worker", str(size)]
        command += ["--steps", str(args.steps), "--check-every", str(args.check_every)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{size:>9,} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
            status = 1
            continue
        m = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{m['triples']:>9,} {m['findings']:>8,} {m['build_s']:>8.1f}s {m['full_s']:>7.2f}s "
            f"{m['p50_s'] * 1000:>8.1f}ms {m['p95_s'] * 1000:>6.1f}ms {m['max_s'] * 1000:>6.0f}ms "
            f"{m['full_s'] / m['p50_s']:>6.0f}x {m['rss_mb']:>7.0f}MB  {m['steps']} writes, "
            f"{m['checks']} full checks, {m['mismatches']} differ",
            flush=True,
        )
        status |= int(m["mismatches"] > 0)
        if size >= 1_000_000:
            met = m["p50_s"] <= TARGET_P50_S and m["p95_s"] <= TARGET_P95_S
            print(f"          target ~1M: p50 ≤ {TARGET_P50_S * 1000:.0f} ms, p95 ≤ "
                  f"{TARGET_P95_S * 1000:.0f} ms {'met' if met else 'MISSED'}")  # fmt: skip
            status |= int(not met)
    return status


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--check-every", type=int, default=CHECK_EVERY)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv if argv is not None else [])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
