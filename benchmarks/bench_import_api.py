"""An import through the service: `POST /import/mbox` of the generated 100k-message mbox.

`bench_import_mbox` measures `triskel import`, which writes the store alone. The service also
keeps its live findings (issue 10) in step with every write, so an import through it pays for
preparing the view of the new data and checking every rule on it, and for writing the kept
findings; the figures here are that whole path.

A real `triskel serve` starts on a fresh store; the mbox of `bench_import_mbox` (generated
once) is posted as the body of `POST /import/mbox`; then `POST /validate` (a report built
from the live findings and kept) runs twice. The table gives the seconds of each, the
server's resident memory after them and its peak over its whole life (VmRSS, VmHWM) and the
machine's load average (the machine is shared: read the times by it). Targets (issue 12):
100k messages imported in 30 s and 1 GB (`triskel import`); the store's: `POST /validate` in
10 s a million triples. `python -m benchmarks.bench_import_api --messages N` measures
another size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.bench_import_mbox import MESSAGES, OUT, generate
from benchmarks.bench_validate_store import status_mb
from benchmarks.live import start

VALIDATIONS = 2


def measure(mbox: Path, folder: Path) -> dict[str, float]:
    """Seconds of the import and of each validation, the triples imported, and the server's
    memory in MB."""
    server = start(
        ["--open"],
        env={"TRISKEL_STORE_PATH": str(folder / "store")},
        log=folder / "server.log",
        timeout_s=600,
        probe_s=60,
    )
    found: dict[str, float] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=3600) as client:
            started = time.perf_counter()
            answer = client.post("/import/mbox", content=mbox.read_bytes())
            found["import"] = time.perf_counter() - started
            answer.raise_for_status()
            found["triples"] = answer.json()["triples"]
            for n in range(VALIDATIONS):
                started = time.perf_counter()
                client.post("/validate", headers={"accept": "application/json"})
                found[f"validate {n + 1}"] = time.perf_counter() - started
        status = Path(f"/proc/{server.process.pid}/status")
        found["rss"], found["peak"] = status_mb(status, "VmRSS"), status_mb(status)
    finally:
        server.stop()
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the table (a measurement: no target decides the exit status here)."""
    parser = argparse.ArgumentParser(prog="bench_import_api")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    messages = parser.parse_args(argv or []).messages
    OUT.mkdir(exist_ok=True)
    mbox = OUT / f"mbox-{messages}.mbox"
    if not mbox.exists():
        generate(mbox, messages)
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-import-api-") as folder:
        found = measure(mbox, Path(folder))
    triples = f"{found['triples']:,.0f} triples"
    print(f"POST /import/mbox of {messages:,} messages ({triples}), load {load}")
    print(f"  import            {found['import']:7.1f} s")
    for n in range(VALIDATIONS):
        print(f"  POST /validate {n + 1}  {found[f'validate {n + 1}']:7.1f} s")
    print(f"  server memory     {found['rss']:7.0f} MB now, {found['peak']:,.0f} MB at its peak")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
