"""A guarded small write against each remote engine, through the HTTP API.

A generated organisation (`--size` triples, or an N-Triples file generated before) is loaded
into each engine with its own bulk loader (`benchmarks.remote_engines`), and the app is
started on it (`TRISKEL_SPARQL_URL`, open dev mode, Starlette's TestClient) in a fresh
process. Then `--repeats` times: a guarded `POST /store?guard=violation` of the clean
12-triple write of `bench_guard` (a new person, tool and arc). Prints, per engine, the
start's seconds, the guarded write's p50 and p95, and the process's peak RSS (`VmHWM`:
interpreter and libraries included), which must not grow with the data.

    python -m benchmarks.bench_remote_guard [--size 100000|FILE.nt] [--repeats 31]
        [--engine oxigraph --engine virtuoso] [--graphs 2]

`--graphs N` loads the organisation split into N graphs: Virtuoso's Graph Store sends no
graph over 1,000,000 triples ("max vector length"), and the live findings' start downloads
each validated graph, so at 1M it needs 2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.bench_guard import TURTLE, quantiles, timed, write_body
from benchmarks.remote_engines import ENGINES, measured, options, own_peak_mb
from service.api import create_app
from service.settings import Settings

TARGET_MS = 500.0


def _child(urls: list[str], folder: str, repeats: int) -> None:
    """The service's side, in its own process: start seconds, p50/p95, peak RSS (JSON)."""
    query_url, update_url, gsp_url = urls
    settings = Settings(
        store_path=Path(folder) / "unused", cache_dir=None, open=True, sparql_url=query_url,
        sparql_update_url=update_url, gsp_url=gsp_url, query_timeout_s=600.0,
    )  # fmt: skip
    started = time.perf_counter()
    with TestClient(
        create_app(settings), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)
    ) as client:
        start_s = time.perf_counter() - started
        start_mb = own_peak_mb()
        samples: list[float] = []
        for run in range(repeats):
            params = {"graph": f"urn:bench:guarded{run}", "guard": "violation"}
            body = write_body(run, "guarded")

            def send(params: dict[str, str] = params, body: str = body) -> int:
                answer = client.post("/store", params=params, content=body, headers=TURTLE)
                return answer.status_code

            samples.append(timed(send, 201))
    p50, p95 = quantiles(samples)
    peak = own_peak_mb()
    print(json.dumps({"start_s": start_s, "start_mb": start_mb, "p50": p50, "p95": p95,
                      "peak_mb": peak}))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__.splitlines()[0], argv, repeats=31, graphs=True)
    if args.child:
        _child(args.child[:3], args.child[3], args.repeats)
        return 0
    status = 0
    print(f"{args.data.name} in {args.graphs} graph(s), {args.repeats} guarded writes (ms):")
    for name in args.engine or ENGINES:
        module = "benchmarks.bench_remote_guard"
        found, load_s = measured(module, name, args.data, args.repeats, graphs=args.graphs)
        print(
            f"  {name:<9} load {load_s:6.1f} s  start {found['start_s']:6.1f} s  "
            f"p50 {found['p50']:7.1f}  p95 {found['p95']:7.1f}  "
            f"peak RSS {found['peak_mb']:5.0f} MB (after start {found['start_mb']:5.0f} MB)"
        )
        status |= found["p50"] > TARGET_MS
    return status


if __name__ == "__main__":
    sys.exit(main())
