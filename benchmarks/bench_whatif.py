"""`POST /whatif` on a generated organisation of about 100,000 triples (issue 13: ≤ 1 s).

An embedded store is filled with a generated organisation (`benchmarks.generate`) and served
by the app (`create_app`, open dev mode, through Starlette's TestClient). One scenario of
each kind is built from the data (the person with most arcs, one of their arcs, a policy, a
unit under another, a tool of an organisation), plus a raw SPARQL Update; each is asked
`REPEATS` times after one warm-up call. Prints each scenario's p50 and p95 in milliseconds
and the median over all scenarios; returns 1 when that median is over `TARGET_S`.
`python -m benchmarks.bench_whatif 1000000` for another size.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from benchmarks.bench_guard import generated_store, quantiles
from service.api import create_app
from service.store.base import Store

TRIPLES = 100_000
REPEATS = 7
TARGET_S = 1.0
SB = "https://w3id.org/social-business#"
ORG = "http://www.w3.org/ns/org#"
PICK = f"""
SELECT ?person ?arc ?policy ?unit ?parent ?organisation ?tool WHERE {{
  {{ SELECT ?person (COUNT(?a) AS ?n) (MIN(STR(?a)) AS ?first) WHERE {{
       ?a <{SB}source> ?person }} GROUP BY ?person ORDER BY DESC(?n) ?person LIMIT 1 }}
  BIND (IRI(?first) AS ?arc)
  {{ SELECT ?policy WHERE {{ ?policy a <{SB}ToolPolicy> }} ORDER BY ?policy LIMIT 1 }}
  {{ SELECT ?unit ?parent WHERE {{
       ?unit <{ORG}unitOf> ?above . ?parent <{ORG}unitOf> ?above .
       FILTER (?parent != ?unit) }} ORDER BY ?unit ?parent LIMIT 1 }}
  {{ SELECT ?organisation ?tool WHERE {{
       ?someone <{ORG}memberOf>/<{ORG}unitOf> ?organisation ; <{SB}usesTool> ?tool .
     }} ORDER BY ?organisation ?tool LIMIT 1 }}
}}
"""


def scenarios(store: Store) -> dict[str, tuple[str, str]]:
    """Name -> (media type, body) of each scenario, picked from the data."""
    (row,) = store.select(PICK)
    iri = {name: term.value for name, term in row.items()}
    steps: dict[str, dict[str, Any]] = {
        "ban-tool": {"kind": "ban-tool", "organisation": iri["organisation"], "tool": iri["tool"]},
        "remove-policy": {"kind": "remove-policy", "policy": iri["policy"]},
        "person-leaves": {"kind": "person-leaves", "person": iri["person"]},
        "drop-arc": {"kind": "drop-arc", "arc": iri["arc"]},
        "move-unit": {"kind": "move-unit", "unit": iri["unit"], "parent": iri["parent"]},
    }
    found = {
        name: ("application/json", json.dumps({"steps": [step]})) for name, step in steps.items()
    }
    raw = f"DELETE WHERE {{ GRAPH <urn:bench:org> {{ <{iri['person']}> <{ORG}memberOf> ?o }} }}"
    found["raw-update"] = ("application/sparql-update", raw)
    return found


def measure(triples: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 of each scenario on a store of about `triples` triples."""
    with tempfile.TemporaryDirectory() as folder:
        settings, store, org = generated_store(Path(folder), triples)
        picked = scenarios(store)
        store.close()
        started = time.perf_counter()
        app = create_app(settings)
        with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as c:
            print(f"  start with {len(org.lines)} triples: {time.perf_counter() - started:.1f} s")
            timings: dict[str, tuple[float, float]] = {}
            for name, (media_type, body) in picked.items():
                samples = []
                for run in range(REPEATS + 1):
                    began = time.perf_counter()
                    answer = c.post("/whatif", content=body, headers={"content-type": media_type})
                    elapsed = time.perf_counter() - began
                    assert answer.status_code == 200, answer.text
                    if run:  # the first call warms the update worker up
                        samples.append(elapsed)
                timings[name] = quantiles(samples)
            return timings


def main(argv: list[str] | None = None) -> int:
    sizes = [int(a) for a in argv or ()] or [TRIPLES]
    status = 0
    for size in sizes:
        print(f"POST /whatif, about {size} triples, {REPEATS} runs each (p50 / p95 ms):")
        timings = measure(size)
        for name, (p50, p95) in timings.items():
            print(f"  {name:<14} {p50:8.1f} {p95:8.1f}")
        overall = statistics.median(p50 for p50, _ in timings.values())
        print(f"  median over the scenarios: {overall:.1f} ms (target {TARGET_S * 1000:.0f} ms)")
        status |= overall > TARGET_S * 1000
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
