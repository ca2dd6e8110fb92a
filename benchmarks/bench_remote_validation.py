"""A validation pushed down to each remote engine against the embedded store's, side by side.

The same organisation (a generated one of `--size` triples, or an N-Triples file generated
before) is loaded into an embedded store and, with each engine's own bulk loader
(`benchmarks.remote_engines`), into Oxigraph server and Virtuoso on loopback.
`Validations.run` (what `POST /validate` calls) validates each: the embedded store in a
validation worker, each remote store on its engine (`service.validation.pushdown`), run in a
fresh process whose peak RSS (`VmHWM`: the service's whole memory, interpreter and
libraries included) is the figure the issue bounds. Medians of `--repeats` runs; the
findings of each engine must be the embedded store's (their content-derived ids are
compared).

    python -m benchmarks.bench_remote_validation [--size 100000|FILE.nt] [--repeats 3]
        [--engine oxigraph --engine virtuoso] [--planted FILE.expected.tsv]

With `--planted` (the findings `benchmarks.generate` wrote beside the data) there is no
embedded run: at 10M triples it would need a worker of about 17 GB. Each engine's findings
are compared with the planted ones instead (rule, focus and value), as
`benchmarks.bench_validation` does.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_validate_store import _peak_mb
from benchmarks.generate import read_expected
from benchmarks.remote_engines import ENGINES, GRAPH, measured, options, own_peak_mb
from service.reports.history import Retention
from service.reports.model import Report
from service.reports.validations import Keeping, Options, Posted, Validations
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore

BUDGET_S = 3600.0


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


def _child(urls: list[str], repeats: int, planted: Path | None) -> None:
    """The remote side, in its own process: times, findings digest, peak RSS (JSON)."""
    query_url, update_url, gsp_url = urls
    store = RemoteStore(query_url, update_url=update_url, gsp_url=gsp_url, query_timeout_s=BUDGET_S)
    validations = Validations(workers=1)
    try:
        times, report = _timed(store, validations, repeats)
    finally:
        validations.close()
        store.close()
    peak = own_peak_mb()
    answer = {"times": times, "digest": _digest(report), "peak_mb": peak,
              "findings": len(report.results)}  # fmt: skip
    if planted is not None:
        answer |= _against(report, read_expected(planted))
    print(json.dumps(answer))


def _against(report: Report, planted: set[tuple[str, str, str]]) -> dict[str, int]:
    """How the report's findings compare with the planted ones."""
    found = {
        (
            r.finding.rule,
            str(r.finding.focus),
            "" if r.finding.value is None else str(r.finding.value),
        )
        for r in report.results
    }
    return {"planted": len(planted), "missing": len(planted - found), "extra": len(found - planted)}


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__.splitlines()[0], argv, repeats=3)
    if args.child:
        _child(args.child[:3], args.repeats, args.planted)
        return 0
    if args.planted:
        return _planted_only(args)
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "embedded")
        validations = Validations(workers=1)
        try:
            store.load(args.data.read_bytes(), media_type="application/n-triples", graph=GRAPH)
            quads = store.count(all_graphs=True)
            embedded, report = _timed(store, validations, args.repeats)
            embedded_peak = _peak_mb(validations)
        finally:
            validations.close()
            store.close()
    e = statistics.median(embedded)
    print(f"{quads} quads, {len(report.results)} findings, medians of {args.repeats}")
    print(f"  embedded store (worker)  {e:7.2f} s  worker peak RSS {embedded_peak:6.0f} MB")
    status = 0
    for name in args.engine or ENGINES:
        module = "benchmarks.bench_remote_validation"
        remote, load_s = measured(module, name, args.data, args.repeats)
        same = remote["digest"] == _digest(report)
        r = statistics.median(remote["times"])
        print(
            f"  {name:<9} (pushdown)    {r:7.2f} s  Triskel peak RSS {remote['peak_mb']:6.0f} MB"
            f"  load {load_s:.1f} s; ratio {r / e:.2f}; same findings: {same}"
        )
        status |= not same
    return status


def _planted_only(args: Any) -> int:
    """Each engine's pushdown against the planted findings (no embedded run)."""
    status = 0
    extra = ("--planted", str(args.planted))
    for name in args.engine or ENGINES:
        module = "benchmarks.bench_remote_validation"
        remote, load_s = measured(module, name, args.data, args.repeats, extra=extra)
        r = statistics.median(remote["times"])
        print(
            f"  {name:<9} (pushdown)    {r:7.2f} s  Triskel peak RSS {remote['peak_mb']:6.0f} MB"
            f"  load {load_s:.1f} s; {remote['findings']} findings, planted {remote['planted']}:"
            f" missing {remote['missing']}, extra {remote['extra']}"
        )
        status |= bool(remote["missing"] or remote["extra"])
    return status


if __name__ == "__main__":
    sys.exit(main())
