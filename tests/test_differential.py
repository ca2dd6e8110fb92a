"""Differential test: the `fast` engine finds exactly what plain pySHACL finds.

On the example organisation, on every shape case and on a generated organisation (seeded,
a few thousand triples, every defect kind planted), the sets of (rule, severity, focus,
value) must be equal — with the compiled queries' NOT EXISTS → MINUS rewrite and without
it, which proves the rewrite changes no result. The generated organisation's planted
findings must all be found, and nothing else.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from benchmarks.generate import generate
from service.resources import DATA_DIR
from service.validation import fast, reference
from service.validation.model import Engine, Finding
from service.validation.prepare import PreparedData
from service.validation.rdfio import Source
from service.validation.shapes import ShapePack, load_builtin

CASES = sorted((Path(__file__).parent / "shape_cases").glob("*.ttl"))
EXAMPLE = DATA_DIR / "example"

FAST_VARIANTS: dict[str, Engine] = {
    "fast": fast.run,
    "fast-not-exists": partial(fast.run, use_minus=False),
}


def _keys(findings: list[Finding]) -> set[tuple[object, ...]]:
    return {f.key for f in findings}


def _agree(data: PreparedData, pack: ShapePack) -> set[tuple[object, ...]]:
    """Both fast variants and pySHACL give one set of keys; return it."""
    expected = _keys(reference.run(data, pack))
    for name, engine in FAST_VARIANTS.items():
        found = _keys(engine(data, pack))
        assert found == expected, (
            f"{name} vs pyshacl: only {name}: {sorted(found - expected, key=str)}; "
            f"only pyshacl: {sorted(expected - found, key=str)}"
        )
    return expected


@pytest.fixture(scope="module")
def pack() -> ShapePack:
    return load_builtin()


def test_example_organisation(pack: ShapePack) -> None:
    keys = _agree(PreparedData.from_paths([EXAMPLE]), pack)
    assert keys, "the example organisation is meant to break rules"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_shape_case(case: Path, pack: ShapePack) -> None:
    _agree(PreparedData.from_paths([case]), pack)


@pytest.mark.slow
def test_generated_organisation(pack: ShapePack) -> None:
    org = generate(2, seed=11, rate=1.0)
    data = PreparedData.from_sources([Source("<generated>", org.ntriples(), "nt")])
    keys = _agree(data, pack)
    found = {
        (rule, str(focus), "" if value is None else str(value)) for rule, _, focus, value in keys
    }
    assert found == org.expected
