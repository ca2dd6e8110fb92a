"""One `triskel validate` in a fresh process that reports its own wall time, peak RSS and
finding count: of a file (`bench_validate_cli`) or of the store an import benchmark wrote.

Issue 12 asks that the imported graphs "validate within the targets of the store": issue 10's
`triskel validate` target is 10 s per million triples and 2 GB, so `line` prints the time
against 10 s per million of the store's triples and the peak against 2 GB.

    python -m benchmarks.validated --store STORE   (one validation, printed as JSON)
    python -m benchmarks.validated FILE
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGET_S_PER_MILLION = 10.0
TARGET_MB = 2048.0
STOP_MB = 8192.0
"""The validating process stops itself past this RSS, so a rule whose plan blows up on an
import's shape cannot take the machine's memory (a 100k-message mbox once reached 15 GB)."""
STOPPED = 3


def validated(store: Path) -> dict[str, float]:
    """`triskel validate --store STORE` in a fresh interpreter."""
    return validated_with(["--store", str(store)])


def validated_with(arguments: list[str]) -> dict[str, float]:
    """`measure` in a fresh interpreter (its peak RSS is the validation's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRISKEL_")}
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.validated", *arguments],
        capture_output=True,
        text=True,
        env=env,
    )
    if child.returncode == STOPPED:
        seconds = time.perf_counter() - started
        return {"code": STOPPED, "seconds": seconds, "peak_mib": STOP_MB, "findings": -1}
    child.check_returncode()
    result: dict[str, float] = json.loads(child.stdout.splitlines()[-1])
    return result


def _stop_past(limit_mb: float) -> None:
    """Leave with `STOPPED` once this process's RSS passes `limit_mb` (checked 5 times a
    second, in a daemon thread)."""

    def watch() -> None:
        while True:
            status = Path("/proc/self/status").read_text().splitlines()
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            if rss / 1024 > limit_mb:
                os._exit(STOPPED)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def measure(arguments: list[str]) -> dict[str, float]:
    """One `triskel validate ARGUMENTS` in this process: seconds, peak MiB, findings."""
    from service.cli import main as cli

    _stop_past(STOP_MB)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        started = time.perf_counter()
        code = cli(["validate", *arguments, "--format", "json", "--output", str(report)])
        seconds = time.perf_counter() - started
        findings = len(json.loads(report.read_text())["results"]) if code in (0, 1) else -1
    return {
        "code": code,
        "seconds": seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "findings": findings,
    }


def line(result: dict[str, float], triples: int) -> tuple[str, bool]:
    """The benchmark's line for a validation of `triples`, and whether it met the targets."""
    limit = TARGET_S_PER_MILLION * triples / 1_000_000
    met = result["code"] in (0, 1) and result["seconds"] <= limit
    met = met and result["peak_mib"] <= TARGET_MB
    if result["code"] == STOPPED:
        stopped = f"stopped past {STOP_MB:,.0f} MiB after {result['seconds']:.1f} s"
        return f"validated        {stopped}", False
    text = (
        f"validated        {result['seconds']:6.1f} s  {result['findings']:,.0f} findings  "
        f"peak {result['peak_mib']:,.0f} MiB  (store targets: {limit:.0f} s for "
        f"{triples:,} triples, {TARGET_MB:,.0f} MiB)"
    )
    return text, met


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1:])))
