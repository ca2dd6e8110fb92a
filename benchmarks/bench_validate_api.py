"""`POST /validate` through the real app on a ~100k-triple generated organisation.

Loads the seeded organisation (`benchmarks.generate`) into a fresh embedded store, then
times `POST /validate` (the whole store, JSON report, kept in the history) through
`TestClient` — the app's full stack: routing, export of the store, validation in a worker,
fingerprint, report, history write, JSON. Prints the median of the runs and the finding
count against the planted ones. Target (issue 5): median under 5 s.

    python -m benchmarks.bench_validate_api [--triples 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.bench_validation import dataset
from benchmarks.generate import read_expected
from service.api import create_app
from service.settings import Settings

TARGET_S = 5.0
GRAPH = "urn:bench:organisation"


def _time_validate(client: TestClient) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    answer = client.post("/validate")
    elapsed = time.perf_counter() - start
    answer.raise_for_status()
    document: dict[str, object] = answer.json()
    return elapsed, document


def main(argv: list[str] | None = None) -> int:
    """Load, validate `repeats` times through the app, print the median; 1 if over target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv if argv is not None else [])
    data, expected = dataset(args.triples)
    planted = len(read_expected(expected))
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(store_path=Path(folder) / "store", open=True)
        served = f"http://{settings.host}:{settings.port}"  # the edge answers only its own Host
        app = create_app(settings)
        with TestClient(app, base_url=served, client=("127.0.0.1", 50000)) as client:
            start = time.perf_counter()
            loaded = client.put(
                "/store",
                params={"graph": GRAPH},
                content=data.read_bytes(),
                headers={"content-type": "application/n-triples"},
            )
            loaded.raise_for_status()
            load_s = time.perf_counter() - start
            runs = [_time_validate(client) for _ in range(args.repeats)]
            kept = len(client.get("/reports").json()["reports"])
    times = [elapsed for elapsed, _ in runs]
    document = runs[-1][1]
    results = document["results"]
    assert isinstance(results, list)
    median = statistics.median(times)
    print(f"data: {data.name} loaded through PUT /store in {load_s:.1f} s")
    print(
        f"POST /validate: median {median:.2f} s over {args.repeats} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}); {len(results)} findings "
        f"({planted} planted); {kept} reports kept; target < {TARGET_S:g} s"
    )
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
