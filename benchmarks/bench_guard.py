"""Writes with live findings maintained, through the HTTP API, on a generated organisation.

An embedded store is filled with a generated organisation (`benchmarks.generate`, about
`TRIPLES` triples with planted findings) and served by the app (`create_app`, open dev mode,
through Starlette's TestClient): the start validates it whole once (`service.findings`).
Then, interleaved, `REPEATS` times each:

* a guarded `POST /store?guard=violation` of a clean 12-triple write (a new person, tool and
  arc between them), checked from its delta;
* the same write unguarded, its findings patched from its delta;
* `GET /findings?limit=100` right after a write (the first page).

Prints p50 and p95 in milliseconds. `python -m benchmarks.bench_guard 1000000` for 1M.
The copy-the-store guard these replace took 4-5 s at 100k and 58 s at 1M (issue 10).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.generate import Organisation, copies_for, generate
from service.api import create_app
from service.settings import Settings
from service.store import open_store
from service.store.base import Store

TRIPLES = 100_000
REPEATS = 31
TURTLE = {"content-type": "text/turtle"}


def write_body(run: int, tag: str) -> str:
    """A clean write of 12 triples: two people of an organisation sharing a tool, an arc."""
    ex = f"urn:bench:{tag}{run}:"
    sb = "https://w3id.org/social-business#"
    return f"""
@prefix sb: <{sb}> . @prefix org: <http://www.w3.org/ns/org#> .
<{ex}org> a org:Organization .
<{ex}tool> a sb:Tool ; sb:toolCategory sb:email ; sb:supportsMedium sb:text .
<{ex}a> a sb:Person ; org:memberOf <{ex}org> ; sb:usesTool <{ex}tool> .
<{ex}b> a sb:Person ; org:memberOf <{ex}org> ; sb:usesTool <{ex}tool> .
<{ex}arc> a sb:Arc ; sb:source <{ex}a> ; sb:target <{ex}b> .
"""


def timed(call: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    status = call()
    elapsed = time.perf_counter() - started
    assert status == expected, status
    return elapsed


def quantiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def generated_store(folder: Path, triples: int) -> tuple[Settings, Store, Organisation]:
    """An open embedded store under `folder` holding a generated organisation of about
    `triples` triples in the graph `urn:bench:org`, the settings that name it, and the
    organisation."""
    settings = Settings(store_path=folder / "store", open=True)
    store = open_store(settings)
    org = generate(copies_for(triples))
    store.load(org.ntriples(), media_type="application/n-triples", graph="urn:bench:org")
    return settings, store, org


def measure(triples: int) -> dict[str, tuple[float, float]]:
    """The three timings on a store of about `triples` triples."""
    with tempfile.TemporaryDirectory() as folder:
        settings, store, org = generated_store(Path(folder), triples)
        store.close()
        started = time.perf_counter()
        app = create_app(settings)
        with TestClient(
            app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)
        ) as client:
            print(f"  start with {len(org.lines)} triples: {time.perf_counter() - started:.1f} s")
            samples: dict[str, list[float]] = {"guarded": [], "unguarded": [], "findings": []}
            for run in range(REPEATS):
                for tag, params in (("guarded", {"guard": "violation"}), ("unguarded", {})):
                    body = write_body(run, tag)
                    post = {"graph": f"urn:bench:{tag}{run}"} | params

                    def send(post: dict[str, str] = post, body: str = body) -> int:
                        return client.post(
                            "/store", params=post, content=body, headers=TURTLE
                        ).status_code

                    samples[tag].append(timed(send, 201))
                first = lambda: client.get("/findings", params={"limit": 100}).status_code  # noqa: E731
                samples["findings"].append(timed(first, 200))
            return {name: quantiles(found) for name, found in samples.items()}


def main(argv: list[str] | None = None) -> int:
    sizes = [int(a) for a in argv or ()] or [TRIPLES]
    for size in sizes:
        print(f"about {size} triples, {REPEATS} runs each (p50 / p95 ms):")
        for name, (p50, p95) in measure(size).items():
            print(f"  {name:<10} {p50:8.1f} {p95:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
