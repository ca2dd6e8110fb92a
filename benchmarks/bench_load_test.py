"""Load test: 16 concurrent clients for 20 s against a live `triskel serve` on loopback.

The server runs with bearer tokens (not open mode) on a fresh embedded store holding the
example data. Each client loops over a mix of what users do: named queries and `/sparql`
queries (6 in 10), small Turtle uploads to its own graph (3 in 10), and validations of a
posted payload (1 in 10). Printed: throughput, error count (any status >= 400 or transport
failure), and p50/p99 latency overall and per kind. Exits 1 on any error.

`python -m benchmarks.bench_load_test [--clients N] [--seconds S]`
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import live
from service.resources import DATA_DIR

CLIENTS = 16
DURATION_S = 20.0
TOKENS = "read:bench-read,write:bench-write"
WRITE = {"Authorization": "Bearer bench-write"}
RESULTS = {"Accept": "application/sparql-results+json"}
EXAMPLE = DATA_DIR / "example"
PAYLOAD = (EXAMPLE / "practice.ttl").read_bytes()
QUERY = "SELECT ?type (COUNT(*) AS ?n) { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 10"

Request = Callable[[httpx.Client, int, int], httpx.Response]


def _named(client: httpx.Client, _me: int, _n: int) -> httpx.Response:
    return client.get("/queries/practices-and-conversations", headers=RESULTS | WRITE)


def _sparql(client: httpx.Client, _me: int, _n: int) -> httpx.Response:
    return client.get("/sparql", params={"query": QUERY}, headers=RESULTS | WRITE)


def _upload(client: httpx.Client, me: int, n: int) -> httpx.Response:
    body = f"<urn:bench:s{n}> <urn:bench:p> {n} ; <urn:bench:by> <urn:bench:client{me}> ."
    return client.post(
        f"/store?graph=urn:bench:client{me}",
        content=body,
        headers={"Content-Type": "text/turtle"} | WRITE,
    )


def _validate(client: httpx.Client, _me: int, _n: int) -> httpx.Response:
    return client.post(
        "/validate", content=PAYLOAD, headers={"Content-Type": "text/turtle"} | WRITE
    )


MIX: tuple[tuple[str, Request], ...] = (
    ("named query", _named),
    ("sparql", _sparql),
    ("upload", _upload),
    ("named query", _named),
    ("sparql", _sparql),
    ("upload", _upload),
    ("named query", _named),
    ("sparql", _sparql),
    ("upload", _upload),
    ("validate", _validate),
)


@dataclass
class Tally:
    """Latencies by kind and the errors seen, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


def _client(url: str, me: int, end: float, tally: Tally) -> None:
    """One client: its own keep-alive connection, looping over the mix until `end`."""
    with httpx.Client(base_url=url, timeout=60) as client:
        n = me  # clients start at different points of the mix
        while time.monotonic() < end:
            kind, request = MIX[n % len(MIX)]
            start = time.perf_counter()
            try:
                response = request(client, me, n)
                error = None if response.is_success else f"{response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            tally.add(kind, time.perf_counter() - start, error)
            n += 1


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _report(tally: Tally, seconds: float, clients: int) -> None:
    every = [v for values in tally.latencies.values() for v in values]
    print(f"{clients} clients for {seconds:g} s on loopback (bearer tokens, embedded store)")
    print(f"{'kind':12} {'requests':>9} {'p50':>9} {'p99':>9}")
    for kind, values in sorted(tally.latencies.items()):
        print(
            f"{kind:12} {len(values):9d} {statistics.median(values) * 1000:7.1f}ms "
            f"{_percentile(values, 0.99) * 1000:7.1f}ms"
        )
    print(
        f"{'all':12} {len(every):9d} {statistics.median(every) * 1000:7.1f}ms "
        f"{_percentile(every, 0.99) * 1000:7.1f}ms"
    )
    print(f"throughput: {len(every) / seconds:.1f} requests/s; errors: {len(tally.errors)}")
    for error in sorted(set(tally.errors))[:10]:
        print(f"  error: {error}")


def run(clients: int = CLIENTS, seconds: float = DURATION_S) -> int:
    """Start the server, run the clients, print the table; 1 if any request failed."""
    with tempfile.TemporaryDirectory(prefix="triskel-load-") as folder:
        args = ["--store", str(Path(folder) / "store"), "--load-if-empty", str(EXAMPLE)]
        server = live.start(args, env={"TRISKEL_TOKENS": TOKENS}, log=Path(folder) / "serve.log")
        url = server.url
        tally = Tally()
        try:
            end = time.monotonic() + seconds
            threads = [
                threading.Thread(target=_client, args=(url, me, end, tally))
                for me in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            server.stop()
    _report(tally, seconds, clients)
    return int(bool(tally.errors))


def main() -> int:
    """`make bench` entry point: the default 16 clients for 20 s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=DURATION_S)
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    return run(args.clients, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
