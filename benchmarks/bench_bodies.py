"""Large but legitimate bodies against a live server, while `/health` is polled every 50 ms.

The fuzz benchmark found answers past 10 s and `/health` waiting up to 28 s behind large
bodies: a 120k-row `VALUES`, a 2 MB `INSERT DATA`, an RDF/XML document nested 100k deep.
This sends each such body alone, then all of them at once, to a fresh `triskel serve` and
prints each answer's status and time and the worst `/health` latency of each round. Every
answer is checked: the legitimate bodies get their result, the over-deep ones a 400.

    python -m benchmarks.bench_bodies [--rounds alone,together]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks import live

POLL_S = 0.05
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@dataclass(frozen=True)
class Body:
    """One request with a large body and the answer it must get."""

    name: str
    method: str
    path: str
    data: bytes
    content_type: str
    statuses: tuple[int, ...]
    check: Callable[[httpx.Response], bool] = lambda _: True


def values_query(rows: int) -> bytes:
    """`COUNT(*)` over a `VALUES` block of `rows` rows: a large query the engine answers."""
    values = " ".join(f"-{i}" for i in range(rows))
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {values} }} }}".encode()


def insert_data(triples: int, graph: str) -> bytes:
    """An `INSERT DATA` of `triples` triples into `graph` (about 40 bytes each)."""
    lines = " ".join(f"<urn:b:s{i}> <urn:b:p> {i} ." for i in range(triples))
    return f"INSERT DATA {{ GRAPH <{graph}> {{ {lines} }} }}".encode()


def deep_rdfxml(depth: int) -> bytes:
    """RDF/XML nested `depth` levels deep (`rdf:parseType="Resource"` in each level)."""
    opened = b'<rdf:Description><ex:p rdf:parseType="Resource">' * depth
    body = opened + b"<ex:q>1</ex:q>" + b"</ex:p></rdf:Description>" * depth
    return f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="urn:b:">'.encode() + body + b"</rdf:RDF>"


def deep_turtle(depth: int) -> bytes:
    """A Turtle triple whose object is `depth` nested blank nodes."""
    return b"<urn:b:a> <urn:b:p> " + b"[ <urn:b:p> " * depth + b"1 " + b"] " * depth + b".\n"


def deep_jsonld(depth: int) -> bytes:
    """A JSON-LD node object nested `depth` levels deep."""
    return b'{"@id": "urn:b:s", "urn:b:p": ' * depth + b'"x"' + b"}" * depth


def ntriples(triples: int) -> bytes:
    """A plain N-Triples document of `triples` triples."""
    return b"".join(b'<urn:b:s%d> <urn:b:p> "%d" .\n' % (i, i) for i in range(triples))


def _count_is(n: int) -> Callable[[httpx.Response], bool]:
    return lambda answer: int(answer.json()["results"]["bindings"][0]["n"]["value"]) == n


def bodies() -> list[Body]:
    """The large bodies of the fuzz benchmark's slow answers, and a large legitimate upload."""
    query, update = "application/sparql-query", "application/sparql-update"
    count = _count_is(120_000)
    return [
        Body("values-120k", "POST", "/sparql", values_query(120_000), query, (200,), count),
        Body("insert-data-50k", "POST", "/update", insert_data(50_000, "urn:b:i"), update, (204,)),
        Body("rdfxml-deep-100k", "PUT", "/store?graph=urn:b:x", deep_rdfxml(100_000),
             "application/rdf+xml", (400,)),
        Body("turtle-deep-100k", "PUT", "/store?graph=urn:b:t", deep_turtle(100_000),
             "text/turtle", (400,)),
        Body("jsonld-deep-100k", "PUT", "/store?graph=urn:b:j", deep_jsonld(100_000),
             "application/ld+json", (400,)),
        Body("ntriples-200k", "PUT", "/store?graph=urn:b:n", ntriples(200_000),
             "application/n-triples", (201, 204)),
    ]  # fmt: skip


@dataclass
class Outcome:
    """What one request got, and how long it took."""

    name: str
    status: int
    seconds: float
    correct: bool


def send(url: str, body: Body) -> Outcome:
    """Send one body; its status, time and whether its answer is the expected one."""
    headers = {"Content-Type": body.content_type}
    start = time.monotonic()
    with httpx.Client(base_url=url, timeout=300) as client:
        answer = client.request(body.method, body.path, content=body.data, headers=headers)
    took = time.monotonic() - start
    correct = answer.status_code in body.statuses and body.check(answer)
    return Outcome(body.name, answer.status_code, took, correct)


def watched(url: str, work: Callable[[], list[Outcome]]) -> tuple[list[Outcome], list[float]]:
    """Run `work` while `/health` is polled every `POLL_S`; its outcomes and the latencies."""
    stop = threading.Event()
    latencies: list[float] = []

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            while not stop.wait(POLL_S):
                start = time.monotonic()
                client.get("/health").raise_for_status()
                latencies.append(time.monotonic() - start)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        outcomes = work()
    finally:
        stop.set()
        poller.join()
    return outcomes, latencies


def together(url: str, chosen: list[Body]) -> list[Outcome]:
    """Send every body at once, each from its own thread."""
    outcomes: list[Outcome] = []
    threads = [
        threading.Thread(target=lambda b=body: outcomes.append(send(url, b))) for body in chosen
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def report(title: str, outcomes: list[Outcome], latencies: list[float]) -> bool:
    """Print one round; True when every answer was the expected one."""
    print(f"-- {title}")
    for o in outcomes:
        mark = "ok" if o.correct else "WRONG"
        print(f"  {o.name:<18} {o.status}  {o.seconds:6.2f} s  {mark}")
    worst = max(latencies, default=0.0)
    median = statistics.median(latencies) if latencies else 0.0
    print(f"  /health: {len(latencies)} polls, median {median:.3f} s, worst {worst:.2f} s")
    return all(o.correct for o in outcomes)


def main(argv: list[str] | None = None) -> int:
    """Run the rounds; 1 if any answer was not the expected one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", default="alone,together")
    parser.add_argument("--only", default="", help="comma-separated body names")
    args = parser.parse_args(argv if argv is not None else [])
    chosen = [b for b in bodies() if not args.only or b.name in args.only.split(",")]
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        env = {"TRISKEL_STORE_PATH": str(folder / "store")}
        server = live.start(["--open"], log=folder / "serve.log", env=env)
        try:
            rounds = args.rounds.split(",")
            if "alone" in rounds:
                for body in chosen:
                    alone = watched(server.url, lambda b=body: [send(server.url, b)])
                    ok &= report(body.name, *alone)
            if "together" in rounds:
                at_once = watched(server.url, lambda: together(server.url, chosen))
                ok &= report("all at once", *at_once)
        finally:
            server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
