"""Load speed: `triskel load` (all-or-nothing) against pyoxigraph's own loaders, one run.

Generates (seeded, once) a ~1M-triple N-Triples file in `benchmarks/out/`, then times, each
into a fresh on-disk store: pyoxigraph `bulk_load` (fast, not atomic), pyoxigraph
transactional `load`, and `triskel load` through the real CLI in a subprocess. Prints the
medians side by side and the ratio bulk_load / triskel (issue target: at least 0.40, i.e.
triskel at least 40% of bulk_load's speed).
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

OUT = Path(__file__).parent / "out"
DATA = OUT / "load-1m.nt"
TRIPLES = 1_000_000
REPEATS = 3
GRAPH = "http://example.org/bench"
TARGET = 0.40


def generate(path: Path, triples: int, seed: int = 42) -> None:
    """A social-network-like graph: 200k subjects, 40 predicates, half IRIs half literals."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(triples):
            subject = f"<http://example.org/p{rng.randrange(200_000)}>"
            predicate = f"<http://example.org/prop{rng.randrange(40)}>"
            if rng.random() < 0.5:
                obj = f"<http://example.org/p{rng.randrange(200_000)}>"
            else:
                obj = f'"value {rng.randrange(10**6)}"'
            out.write(f"{subject} {predicate} {obj} .\n")


def _fresh(name: str) -> Path:
    path = OUT / name
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(path.with_name(f"{name}.journal"), ignore_errors=True)
    return path


def bulk_load() -> None:
    store = Store(str(_fresh("store-bulk")))
    store.bulk_load(path=str(DATA), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(GRAPH))
    store.flush()


def transactional_load() -> None:
    store = Store(str(_fresh("store-load")))
    store.load(path=str(DATA), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(GRAPH))
    store.flush()


def triskel_load() -> None:
    store = _fresh("store-triskel")
    command = [sys.executable, "-m", "service.cli", "load", str(DATA), "--graph", GRAPH]
    subprocess.run([*command, "--store", str(store)], check=True, capture_output=True)


def median_seconds(run: Callable[[], None]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    """Print the table; non-zero when triskel is below the target share of bulk_load."""
    OUT.mkdir(exist_ok=True)
    if not DATA.exists():
        generate(DATA, TRIPLES)
    print(
        f"{TRIPLES:,} triples, N-Triples, {DATA.stat().st_size / 1e6:.0f} MB; median of {REPEATS}"
    )
    results = {
        "pyoxigraph bulk_load": median_seconds(bulk_load),
        "pyoxigraph load (transactional)": median_seconds(transactional_load),
        "triskel load (CLI, all-or-nothing)": median_seconds(triskel_load),
    }
    for name, seconds in results.items():
        print(f"  {name:<36} {seconds:7.2f} s  {TRIPLES / seconds / 1e3:7.0f} k triples/s")
    ratio = results["pyoxigraph bulk_load"] / results["triskel load (CLI, all-or-nothing)"]
    print(f"  triskel speed / bulk_load speed: {ratio:.2f} (target >= {TARGET:.2f})")
    for name in ("store-bulk", "store-load", "store-triskel"):
        shutil.rmtree(OUT / name, ignore_errors=True)
    return 0 if ratio >= TARGET else 1
