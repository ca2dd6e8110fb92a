"""The validation of what an import benchmark wrote, two ways: in the service that serves
the store (`served`) and by one `triskel validate` in a fresh process (`validated`, also of a
file for `bench_validate_cli`).

Issue 12 asks that the imported graphs "validate within the targets of the store": issue 10's
are `POST /validate` in 10 s on a million-triple store and a peak of 2 GB, so `served_line`
prints the validations against 10 s per million of the store's triples and the server's
peak against 2 GB per million (the store's targets, scaled to its size). `triskel validate
--store` in a fresh process also reads the whole store from disk first (some 6 µs a triple):
`line` prints it against the same 10 s per million and a flat 2 GB.

    python -m benchmarks.validated --store STORE   (one validation, printed as JSON)
    python -m benchmarks.validated FILE
"""

from __future__ import annotations

import argparse
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
VALIDATIONS = 2
"""`POST /validate` runs of `served`: the first keeps a report, the second finds it kept."""


def validated(store: Path) -> dict[str, float]:
    """`triskel validate --store STORE` in a fresh interpreter."""
    return validated_with(["--store", str(store)])


def validated_with(arguments: list[str]) -> dict[str, float]:
    """`measure` in a fresh interpreter (its peak RSS is the validation's own)."""
    started = time.perf_counter()
    child = fresh_run("benchmarks.validated", arguments)
    if child.returncode == STOPPED:
        seconds = time.perf_counter() - started
        return {"code": STOPPED, "seconds": seconds, "peak_mib": STOP_MB, "findings": -1}
    return last_json(child)


def import_parser(prog: str, size: str, default: int, source: str) -> argparse.ArgumentParser:
    """The arguments of an import benchmark: its size (`--SIZE`), its `--runs`, and the
    `--measure SOURCE STORE` of one run in its fresh process (`fresh_run`)."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument(f"--{size}", type=int, default=default)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", nargs=2, type=Path, metavar=(source, "STORE"))
    return parser


def fresh_run(module: str, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGUMENTS` in a fresh interpreter, without this process's
    `TRISKEL_*` settings, so a measured step's peak RSS is its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRISKEL_")}
    command = [sys.executable, "-m", module, *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env)


def last_json(child: subprocess.CompletedProcess[str]) -> dict[str, float]:
    """The figures a measuring child printed as JSON on its last line (it must have
    succeeded)."""
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


def served(store: Path) -> dict[str, float]:
    """`triskel serve` on `store`: the seconds until it answers (it builds its live findings
    from the store first), then the seconds of each of `VALIDATIONS` `POST /validate` (the
    first keeps the store's first report), and the server's peak RSS in MiB."""
    import httpx  # the server and its client only here: `measure`'s process stays lean

    from benchmarks.live import start

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        server = start(
            ["--open"],
            env={"TRISKEL_STORE_PATH": str(store)},
            log=Path(folder) / "server.log",
            timeout_s=1800,
            probe_s=60,
        )
        found = {"ready": time.perf_counter() - started}
        try:
            for n in range(VALIDATIONS):
                started = time.perf_counter()
                answer = httpx.post(
                    f"{server.url}/validate",
                    headers={"accept": "application/json"},
                    timeout=1800,
                )
                answer.raise_for_status()
                found[f"validate {n + 1}"] = time.perf_counter() - started
                found["findings"] = len(answer.json()["results"])
            status = Path(f"/proc/{server.process.pid}/status").read_text().splitlines()
            peak = next(int(row.split()[1]) for row in status if row.startswith("VmHWM:"))
            found["peak_mib"] = peak / 1024
        finally:
            server.stop()
    return found


def served_line(result: dict[str, float], triples: int) -> tuple[str, bool]:
    """The benchmark's line for `served`, and whether it met the store's targets."""
    millions = triples / 1_000_000
    limit, memory = TARGET_S_PER_MILLION * millions, TARGET_MB * millions
    times = [result[f"validate {n + 1}"] for n in range(VALIDATIONS)]
    met = max(times) <= limit and result["peak_mib"] <= memory
    text = (
        f"served           ready in {result['ready']:.1f} s, POST /validate "
        f"{', '.join(f'{t:.1f}' for t in times)} s  {result['findings']:,.0f} findings  server "
        f"peak {result['peak_mib']:,.0f} MiB  (store targets: {limit:.0f} s, {memory:,.0f} MiB "
        f"for {triples:,} triples)"
    )
    return text, met


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
