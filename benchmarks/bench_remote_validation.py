"""A validation pushed down to Oxigraph server against the embedded store's, side by side.

The same organisation (a generated one of `--size` triples, or an N-Triples file generated
before) is loaded into an embedded store and, with Oxigraph's own bulk loader
(`oxigraph load`), into the folder of an `oxigraph serve` on loopback. `Validations.run` (what
`POST /validate` calls) validates each: the embedded store in a validation worker, the remote
store on its engine (`service.validation.pushdown`), run in a fresh process whose peak RSS
(`ru_maxrss`: the service's whole memory, interpreter and libraries included) is the figure
the issue bounds. Medians of `--repeats` runs; the findings of both must be the same (their
content-derived ids are compared).

    python -m benchmarks.bench_remote_validation [--size 100000|FILE.nt] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks.bench_validate_api import _dataset
from benchmarks.bench_validate_store import _peak_mb
from benchmarks.live import free_port
from service.reports.history import Retention
from service.reports.model import Report
from service.reports.validations import Keeping, Options, Posted, Validations
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore

BUDGET_S = 3600.0
GRAPH = "urn:bench:org"


def _validate(store: Store, validations: Validations) -> Report:
    keeping = Keeping(Retention(), 10_000, writer=False)
    until = time.monotonic() + BUDGET_S
    report, _ = validations.run(store, Posted(), Options(), keeping, until=until)
    return report


def _digest(report: Report) -> str:
    """The findings as one value: the sorted content-derived ids."""
    return hashlib.sha256("\n".join(sorted(r.id for r in report.results)).encode()).hexdigest()


def _timed(store: Store, validations: Validations, repeats: int) -> tuple[list[float], Report]:
    times: list[float] = []
    report: Report | None = None
    for _ in range(repeats):
        start = time.perf_counter()
        report = _validate(store, validations)
        times.append(time.perf_counter() - start)
    assert report is not None
    return times, report


@contextlib.contextmanager
def _oxigraph(data: Path, folder: Path) -> Iterator[tuple[str, float]]:
    """`oxigraph serve` on a store bulk-loaded with `data` (into GRAPH); its base URL and
    the load's seconds."""
    executable = str(Path(sys.executable).with_name("oxigraph"))
    started = time.perf_counter()
    load = [executable, "load", "--location", str(folder), "--file", str(data)]
    subprocess.run([*load, "--graph", GRAPH], check=True, capture_output=True)
    loaded = time.perf_counter() - started
    port = free_port()
    serve = [executable, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=1)
                break
            time.sleep(0.1)
        yield base, loaded
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _child(base: str, repeats: int) -> None:
    """The remote side, in its own process: times, findings digest, peak RSS (JSON)."""
    store = RemoteStore(
        f"{base}/query", update_url=f"{base}/update", gsp_url=f"{base}/store",
        query_timeout_s=BUDGET_S,
    )  # fmt: skip
    validations = Validations(workers=1)
    try:
        times, report = _timed(store, validations, repeats)
    finally:
        validations.close()
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times": times, "digest": _digest(report), "peak_mb": peak,
                      "findings": len(report.results)}))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.repeats)
        return 0
    data = Path(args.size) if args.size.endswith(".nt") else _dataset(int(args.size))[0]
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "embedded")
        validations = Validations(workers=1)
        try:
            store.load(data.read_bytes(), media_type="application/n-triples", graph=GRAPH)
            quads = store.count(all_graphs=True)
            embedded, report = _timed(store, validations, args.repeats)
            embedded_peak = _peak_mb(validations)
        finally:
            validations.close()
            store.close()
        with _oxigraph(data, Path(folder) / "oxigraph") as (base, loaded):
            command = [sys.executable, "-m", "benchmarks.bench_remote_validation"]
            command += ["--child", base, "--repeats", str(args.repeats)]
            answer = subprocess.run(command, check=True, capture_output=True, text=True)
    remote = json.loads(answer.stdout.splitlines()[-1])
    same = remote["digest"] == _digest(report)
    e, r = statistics.median(embedded), statistics.median(remote["times"])
    print(f"{quads} quads, {len(report.results)} findings; oxigraph load {loaded:.1f} s")
    print(f"embedded store (worker)   median {e:7.2f} s  worker peak RSS {embedded_peak:6.0f} MB")
    print(
        f"oxigraph serve (pushdown) median {r:7.2f} s  Triskel peak RSS {remote['peak_mb']:6.0f} MB"
    )
    print(f"ratio remote/embedded {r / e:.2f}; same findings: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
