"""Incremental = full: after every random write the live findings equal a fresh validation.

`LiveValidation` patches its findings from each write's delta; a fresh
`service.validation.validate` of the same quads must give the same set of
(rule, severity, focus, value, path) — on the example organisation, on a generated
organisation, and on the custom shapes of tests/compile_cases. Writes come from
`tests/live_writes.py` (seeded, derandomised hypothesis draws); one live state per data set
runs through all of them, so the writes pile up like a real history.

SPARQL updates go the service's own way: through the `Guard` on an embedded store, which
computes each update's delta itself (`Store.update_with_delta`), guarded or not; after each,
the live findings equal a fresh validation of what the store holds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate
from service.errors import GuardRefusedError
from service.findings import LiveFindings, quads_of
from service.guard import Guard, Update
from service.resources import DATA_DIR
from service.store.embedded import EmbeddedStore
from service.store.files import load_file
from service.validation import validate
from service.validation.entailed import Delta
from service.validation.live import LiveValidation
from service.validation.model import Finding
from service.validation.prepare import PreparedData
from service.validation.rdfio import Source, expand_paths, load, parse
from service.validation.shapes import ShapePack, from_files, load_builtin
from tests.live_writes import update, write

CUSTOM = Path(__file__).parent / "compile_cases" / "compiled.ttl"
STEPS = 50
"""Writes per data set (four data sets: a few hundred in all)."""
UPDATES = 25
"""SPARQL updates through the guard."""

Key = tuple[object, ...]


def keys(findings: Iterator[Finding] | list[Finding] | tuple[Finding, ...]) -> set[Key]:
    return {(f.rule, f.severity, f.focus, f.value, f.path) for f in findings}


def full(live: LiveValidation) -> set[Key]:
    prepared = PreparedData.from_quads(live.data.user_quads())
    return keys(validate(prepared, shapes=live.pack).findings)


def _quads(paths: list[Path]) -> list[ox.Quad]:
    store = ox.Store()
    for path in expand_paths(paths):
        load(store, Source.from_path(path))
    return list(store)


def _generated() -> list[ox.Quad]:
    org = generate(2, seed=11, rate=1.0)
    triples = parse(Source("<generated>", org.ntriples(), "nt"))
    return [ox.Quad(t.subject, t.predicate, t.object) for t in triples]


def _live(name: str) -> LiveValidation:
    builtin = load_builtin()
    if name == "example":
        return LiveValidation(_quads([DATA_DIR / "example"]), builtin)
    if name == "generated":
        return LiveValidation(_generated(), builtin)
    pack: ShapePack = from_files([CUSTOM], builtin=name == "custom+builtin")
    return LiveValidation(_quads([CUSTOM, DATA_DIR / "example"]), pack)


@pytest.mark.parametrize("name", ["example", "generated", "custom", "custom+builtin"])
def test_incremental_equals_full(name: str) -> None:
    live = _live(name)
    assert keys(live.findings()) == full(live)

    @settings(max_examples=STEPS, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.integers(0, 2**32 - 1))
    def step(seed: int) -> None:
        delta: Delta = write(random.Random(seed), live.data)
        before = keys(live.findings())
        outcome = live.apply(delta)
        now = keys(live.findings())
        expected = full(live)
        assert now == expected, (
            f"after {delta}: only live {sorted(now - expected, key=str)}; "
            f"only full {sorted(expected - now, key=str)}"
        )
        assert keys(outcome.opened) == now - before
        assert keys(outcome.closed) == before - now

    step()


def test_updates_through_the_guard_equal_full(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    for path in sorted((DATA_DIR / "example").glob("*.ttl")):
        load_file(store, path)
    live = LiveFindings.build(store, watch=False)
    guard = Guard(live)
    refused = 0
    try:
        for seed in range(UPDATES):
            rng = random.Random(seed)
            text = update(rng, quads_of(store))
            try:
                guard.apply(store, Update(text), level=rng.choice((None, "violation")))
            except GuardRefusedError:
                refused += 1
            now = keys(live.findings())
            expected = keys(validate(PreparedData.from_quads(quads_of(store))).findings)
            assert now == expected, (
                f"after {text}: only live {sorted(now - expected, key=str)}; "
                f"only full {sorted(expected - now, key=str)}"
            )
    finally:
        store.close()
    assert 0 < refused < UPDATES  # the guard both passed and refused some
