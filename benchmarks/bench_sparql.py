"""SPARQL endpoint speed, one run: `/sparql` against pyoxigraph in-process and rdflib.

Over a seeded ~1M-triple organisation (`benchmarks.generate`, written once to
`benchmarks/out/`), the five analytical queries of `benchmarks/queries/*.rq` are timed
(median of `REPEATS`):

* through `/sparql` of a live `triskel serve` (uvicorn, on-disk embedded store, SPARQL JSON);
* on pyoxigraph in-process over the same store folder (opened read-only beside the server,
  runs interleaved with the HTTP ones), serialised to SPARQL JSON too (issue target:
  `/sparql` at most 1.5x of this);
* on rdflib's engine over a 10k-triple slice, against pyoxigraph on the same slice (ratio
  stated; rdflib is far too slow for 1M).

Then `CLIENTS` concurrent clients send small queries for `DURATION_S` seconds (target: at
least 500 requests/s, no errors). Returns non-zero when a target is missed.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import rdflib
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store

from benchmarks import generate, live

OUT = Path(__file__).parent / "out"
QUERIES = sorted((Path(__file__).parent / "queries").glob("*.rq"))
TRIPLES = 1_000_000
SLICE = 10_000
REPEATS = 5
CLIENTS = 8
DURATION_S = 5.0
GRAPH = "urn:bench:organisation"
JSON = "application/sparql-results+json"
SMALL_QUERIES = (
    "PREFIX sb: <https://w3id.org/social-business#> ASK { ?c a sb:Conversation }",
    "PREFIX sb: <https://w3id.org/social-business#> "
    "SELECT ?tool WHERE { <https://example.org/bench/c7/P3> sb:usesTool ?tool }",
    "PREFIX sb: <https://w3id.org/social-business#> "
    "SELECT ?p ?o WHERE { <https://example.org/bench/c42/conv5> ?p ?o } LIMIT 20",
)
LATENCY_TARGET = 1.5
THROUGHPUT_TARGET = 500.0


def data_file(triples: int) -> Path:
    """The seeded organisation of about `triples` triples, generated on first use."""
    data = OUT / f"org-{triples}.nt"
    if not data.exists():
        org = generate.generate(generate.copies_for(triples))
        generate.write(org, data, OUT / f"org-{triples}.expected.tsv")
    return data


def build_store(folder: Path, data: Path) -> None:
    """A fresh on-disk store holding `data` in one named graph (default graph = union)."""
    shutil.rmtree(folder, ignore_errors=True)
    store = Store(str(folder))
    store.bulk_load(path=str(data), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(GRAPH))
    store.optimize()  # compact now, so no background compaction skews either side
    del store


def median_s(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of `run` after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def side_by_side(url: str, store: Store) -> dict[str, tuple[float, float]]:
    """(`/sparql`, in-process) median seconds per query, runs interleaved so that the load of
    the machine at any moment weighs on both sides alike. Both answer in SPARQL JSON."""
    medians = {}
    with httpx.Client(timeout=120) as client:
        for path in QUERIES:
            text = path.read_text()

            def over_http(text: str = text) -> bytes:
                answer = client.post(
                    f"{url}/sparql", data={"query": text}, headers={"accept": JSON}
                )
                answer.raise_for_status()
                return answer.content

            def in_process(text: str = text) -> bytes | None:
                answer = store.query(text, use_default_graph_as_union=True)
                return answer.serialize(format=QueryResultsFormat.JSON)  # type: ignore[union-attr]

            over_http(), in_process()  # warm-up
            times: tuple[list[float], list[float]] = ([], [])
            for _ in range(REPEATS):
                for run, sink in ((over_http, times[0]), (in_process, times[1])):
                    start = time.perf_counter()
                    run()
                    sink.append(time.perf_counter() - start)
            medians[path.stem] = (statistics.median(times[0]), statistics.median(times[1]))
    return medians


def rdflib_against_oxigraph(data: Path) -> dict[str, tuple[float, float]]:
    """(rdflib, pyoxigraph) median seconds per query on the same small slice; rows agree."""
    graph = rdflib.Graph().parse(data, format="nt")
    store = Store()
    store.load(path=str(data), format=RdfFormat.N_TRIPLES)
    pairs = {}
    for path in QUERIES:
        text = path.read_text()
        rows = len(list(graph.query(text)))
        assert rows == len(list(store.query(text))), f"{path.name}: engines disagree"
        pairs[path.stem] = (
            median_s(lambda text=text: list(graph.query(text)), repeats=1),
            median_s(lambda text=text: list(store.query(text))),
        )
    return pairs


async def _client(host: str, port: int, requests: list[bytes], end: float) -> tuple[int, int]:
    """One keep-alive HTTP/1.1 connection sending GETs until `end`: (answered, errors).

    Written on bare asyncio streams: a full HTTP client library costs more CPU per request
    than the server does, and on a small machine it would measure itself.
    """
    reader, writer = await asyncio.open_connection(host, port)
    ok = errors = n = 0
    try:
        while time.monotonic() < end:
            writer.write(requests[n % len(requests)])
            n += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            if head.startswith(b"HTTP/1.1 200"):
                ok += 1
            else:
                errors += 1
    finally:
        writer.close()
    return ok, errors


async def throughput(url: str, clients: int, seconds: float) -> tuple[int, int]:
    """(answered, errors) of `clients` concurrent connections looping over small queries."""
    parts = urlsplit(url)
    requests = [
        f"GET /sparql?{urlencode({'query': q})} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Accept: {JSON}\r\n\r\n".encode()
        for q in SMALL_QUERIES
    ]
    end = time.monotonic() + seconds
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    counts = await asyncio.gather(*(_client(host, port, requests, end) for _ in range(clients)))
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def main() -> int:
    """Run everything, print one table, return 1 if a target is missed."""
    OUT.mkdir(exist_ok=True)
    data = data_file(TRIPLES)
    folder = OUT / "bench-sparql-store"
    start = time.perf_counter()
    build_store(folder, data)
    print(f"store: {data.name} bulk-loaded in {time.perf_counter() - start:.1f} s", flush=True)

    server = live.start(["--store", str(folder), "--open"], log=OUT / "bench-sparql-serve.log")
    url = server.url
    try:
        store = Store.read_only(str(folder))  # the server writes nothing after its start
        latencies = side_by_side(url, store)
        del store
        answered, errors = asyncio.run(throughput(url, CLIENTS, DURATION_S))
    finally:
        server.stop()
    small = rdflib_against_oxigraph(data_file(SLICE))

    print(
        f"{'query':34} {'/sparql':>9} {'pyoxigraph':>11} {'ratio':>6}   "
        f"{'rdflib@10k':>10} {'oxi@10k':>9} {'rdflib/oxi':>10}"
    )
    worst = 0.0
    for name, (over_http, in_process) in latencies.items():
        ratio = over_http / in_process
        worst = max(worst, ratio)
        slow, fast = small[name]
        print(
            f"{name:34} {over_http * 1000:8.1f}ms {in_process * 1000:9.1f}ms "
            f"{ratio:6.2f}   {slow * 1000:8.1f}ms {fast * 1000:7.2f}ms {slow / fast:9.0f}x"
        )
    rate = answered / DURATION_S
    print(f"{CLIENTS} clients, small queries: {rate:.0f} requests/s, {errors} errors")
    print(
        f"targets: /sparql <= {LATENCY_TARGET}x in-process (worst {worst:.2f}x); "
        f">= {THROUGHPUT_TARGET:.0f} requests/s with 0 errors"
    )
    return int(worst > LATENCY_TARGET or rate < THROUGHPUT_TARGET or errors > 0)


if __name__ == "__main__":
    sys.exit(main())
