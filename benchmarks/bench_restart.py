"""Restart of a live `triskel serve` with and without the maintained live findings.

An embedded store is filled with a generated organisation (`benchmarks.generate`, about
`TRIPLES` triples with planted findings, or the N-Triples file given) and served by a real
`triskel serve` process, started twice on it:

* first without a maintained state (a new store: the findings are rebuilt by validating the
  store whole, and written to the store), then stopped;
* then with it: the kept findings are served at once, the engine warms up in the background.

For each start: seconds to the first `/health` 200, to the first `/findings` page, and to the
first write answered (writes wait for the warm-up); then the seconds of a `POST /validate`
(built from the live findings), and the server's resident memory after it and at its peak
(VmRSS, VmHWM: the whole life of the process, start and build included).
`python -m benchmarks.bench_restart 1000000 org-1000000.nt` for 1M (the file of
`benchmarks.generate --triples 1000000`). Targets (issue 10): serving in 5 s or less at 1M,
no full validation before serving; `POST /validate` in 10 s or less, peak memory 2 GB or less.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.bench_validate_store import status_mb
from benchmarks.generate import copies_for, generate
from benchmarks.live import start
from service.settings import Settings
from service.store import open_store

TRIPLES = 100_000
GRAPH = "urn:bench:org"
WRITE = "<urn:bench:restart:p> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:bench:T> .\n"


def fill(store_path: Path, triples: int, source: Path | None) -> None:
    """The store holding the organisation in one graph."""
    body = source.read_bytes() if source else generate(copies_for(triples)).ntriples()
    store = open_store(Settings(store_path=store_path))
    try:
        store.load(body, media_type="application/n-triples", graph=GRAPH)
    finally:
        store.close()


def timed_start(store_path: Path, log: Path) -> dict[str, float]:
    """Start a server on the store; seconds to /health, first /findings page, first write."""
    started = time.perf_counter()
    server = start(
        ["--open"],
        env={"TRISKEL_STORE_PATH": str(store_path)},
        log=log,
        timeout_s=3600,
        probe_s=600,
    )
    try:
        health = time.perf_counter() - started
        page = httpx.get(f"{server.url}/findings", params={"limit": 100}, timeout=600)
        assert page.status_code == 200, page.text
        findings = time.perf_counter() - started
        written = httpx.post(
            f"{server.url}/store",
            params={"graph": "urn:bench:restart"},
            content=WRITE,
            headers={"content-type": "application/n-triples"},
            timeout=1800,
        )
        assert written.is_success, written.text
        write = time.perf_counter() - started
        validated = httpx.post(f"{server.url}/validate", timeout=600)
        assert validated.is_success, validated.text
        validate = time.perf_counter() - started - write
        status = Path(f"/proc/{server.process.pid}/status")
        rss, peak = status_mb(status, "VmRSS"), status_mb(status, "VmHWM")
    finally:
        server.stop()
    return {"health": health, "findings": findings, "write": write, "validate": validate,
            "rss": rss, "peak": peak}  # fmt: skip


def measure(triples: int, source: Path | None) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        store_path = Path(folder) / "store"
        fill(store_path, triples, source)
        log = Path(folder) / "serve.log"
        rebuilt = timed_start(store_path, log)
        kept = timed_start(store_path, log)
        lines = [line for line in log.read_text().splitlines() if "live findings" in line]
        print("\n".join(f"  log: {line}" for line in lines))
        return {"rebuild (no state)": rebuilt, "maintained state": kept}


def main(argv: list[str] | None = None) -> int:
    args = list(argv or ())
    triples = int(args[0]) if args else TRIPLES
    source = Path(args[1]) if len(args) > 1 else None
    found = measure(triples, source)
    print(f"restart of a {triples:,}-triple store, seconds from process start:")
    print(
        f"  {'start':20} {'/health 200':>12} {'/findings page':>15} {'first write':>12} | "
        f"{'POST /validate':>15} {'RSS MB':>7} {'peak MB':>8}"
    )
    for name, times in found.items():
        print(
            f"  {name:20} {times['health']:12.1f} {times['findings']:15.1f} {times['write']:12.1f}"
            f" | {times['validate']:15.1f} {times['rss']:7.0f} {times['peak']:8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
