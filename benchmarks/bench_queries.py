"""Named queries at ~10k, ~100k and ~1M triples: the median time of each, through the catalog.

The data is the example organisation (`data/example`) copied N times with its own IRIs renamed
per copy (`.../larkspur/` becomes `.../larkspur/c<N>/`), so every copy keeps the example's mix
of practices, arcs, policies and planted misalignments; vocabulary and concept IRIs are shared.
Each query runs through `Catalog.run` on the embedded store (parse, evaluate, serialise to
SPARQL JSON), as `GET /queries/{name}` does. The table ends with the growth from ~100k to ~1M
triples (10x data; linear evaluation shows about 10-15x on this machine, where even a plain
label scan grows ~15x).

`python -m benchmarks.run queries` runs only this one.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, parse, serialize

from service.catalog import Catalog
from service.resources import DATA_DIR, ONTOLOGY_FILES, ONTOLOGY_IRI
from service.store.embedded import EmbeddedStore

SIZES = (10_000, 100_000, 1_000_000)
RUNS = 3
EXAMPLE = "https://example.org/larkspur/"
PARAMS = {
    "conversations-since": {"since": "2026-09-01"},
    "find-by-name": {"text": "swiftline"},
    "people-by-practice": {"practice": f"{EXAMPLE}c0/orderToDelivery"},
    "strong-external-ties": {"min_weight": "5"},
    "tool-impact": {"tool": f"{EXAMPLE}c0/whatsapp"},
}


def _example_quads() -> list[Quad]:
    files = sorted((DATA_DIR / "example").glob("*.ttl"))
    return [q for path in files for q in parse(path=path, format=RdfFormat.TURTLE)]


def _renamed(term: object, copy: int) -> object:
    if isinstance(term, NamedNode) and term.value.startswith(EXAMPLE):
        return NamedNode(f"{EXAMPLE}c{copy}/{term.value.removeprefix(EXAMPLE)}")
    if isinstance(term, BlankNode):
        return BlankNode(f"{term.value}c{copy}")
    return term


def _copies(example: list[Quad], copies: int) -> Iterator[Quad]:
    for copy in range(copies):
        for q in example:
            yield Quad(_renamed(q.subject, copy), q.predicate, _renamed(q.object, copy))


def _timed(catalog: Catalog, store: EmbeddedStore, name: str) -> float:
    start = time.perf_counter()
    catalog.run(store, name, PARAMS.get(name, {}), accept="application/sparql-results+json")
    return time.perf_counter() - start


def _measure(catalog: Catalog, example: list[Quad], size: int, folder: Path) -> dict[str, float]:
    """Load `size` triples into a fresh store and return each query's median seconds."""
    store = EmbeddedStore(folder / f"store-{size}", max_rows=1_000_000)
    try:
        for path in ONTOLOGY_FILES:
            store.load(path.read_bytes(), media_type="text/turtle", graph=ONTOLOGY_IRI)
        data = serialize(_copies(example, max(1, size // len(example))), format=RdfFormat.N_TRIPLES)
        start = time.perf_counter()
        triples = store.load(data or b"", media_type="application/n-triples", graph="urn:bench")
        print(f"-- {triples:,} triples, loaded in {time.perf_counter() - start:.1f} s", flush=True)
        return {
            query.name: statistics.median(_timed(catalog, store, query.name) for _ in range(RUNS))
            for query in catalog
        }
    finally:
        store.close()


def main() -> int:
    """Print each query's median seconds per size and its growth from ~100k to ~1M triples."""
    catalog = Catalog.load()
    example = _example_quads()
    with tempfile.TemporaryDirectory() as folder:
        results = [_measure(catalog, example, size, Path(folder)) for size in SIZES]
    print(f"{'query':40s}" + "".join(f"{size:>12,}" for size in SIZES) + f"{'growth':>9s}")
    for query in catalog:
        medians = [result[query.name] for result in results]
        growth = medians[-1] / max(medians[-2], 1e-3)
        print(f"{query.name:40s}" + "".join(f"{m:11.3f}s" for m in medians) + f"{growth:8.1f}x")
    return 0
