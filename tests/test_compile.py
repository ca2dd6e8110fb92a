"""The compiler: which shapes run set-based, what their queries look like, and that they
find exactly what pySHACL finds on shapes written to trip a set-based rewrite.

The data-driven cases live in `tests/compile_cases/` (data and shapes in one Turtle file).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from rdflib.plugins.sparql import prepareQuery

from service.errors import ShapesError
from service.resources import DATA_DIR
from service.store import Store
from service.validation import derived, fast, reference
from service.validation.compile import CompiledPack, compile_pack
from service.validation.derived import relations
from service.validation.prepare import PreparedData
from service.validation.shapes import ShapePack, from_files, load_builtin

CASES = Path(__file__).parent / "compile_cases"
COMPILED = CASES / "compiled.ttl"
FALLBACK = CASES / "fallback.ttl"
EXAMPLE = DATA_DIR / "example"
RULES = [f"R{n:02d}" for n in range(1, 21)]
FALLBACK_SHAPES = (
    "DatatypeShape",
    "OrShape",
    "SubSelectShape",
    "ReferencingShape",
    "BlankValueShape",
)


@pytest.fixture(scope="module")
def builtin() -> CompiledPack:
    return compile_pack(load_builtin())


def _queries(compiled: CompiledPack, rule: str) -> list[str]:
    return [c.query for c in compiled.constraints if c.rule == rule]


def test_every_builtin_rule_compiles(builtin: CompiledPack) -> None:
    assert dict(builtin.fallback) == {}
    assert sorted({c.rule for c in builtin.constraints}) == RULES


def test_compiled_queries_are_standard_sparql(builtin: CompiledPack) -> None:
    """rdflib (a second, independent parser) and pyoxigraph both accept every query, with
    the shared relations written inline (VALUES) or read from the scratch graph."""
    store = ox.Store()
    thing = URIRef("https://example.org/thing")
    inline = derived.inline_rows({r.name: [(thing, thing)] for r in relations()})
    assert inline is not None
    for constraint in builtin.constraints:
        for rows in (inline, None):
            query = derived.render(constraint.query, rows)
            prepareQuery(query)
            assert list(store.query(query)) == []


def test_blank_nodes_in_shared_relations_use_the_scratch_graph() -> None:
    path = CASES / "blank-people.ttl"
    data = PreparedData.from_paths([path])
    tables = derived.compute(fast.store_select(data.store), relations())
    assert derived.inline_rows(tables) is None
    found = {f.key for f in fast.run(data, load_builtin())}
    assert found == {f.key for f in reference.run(data, load_builtin())}
    assert {"R04", "R08", "R09", "R12"} <= {key[0] for key in found}


def test_not_exists_becomes_minus_only_where_equivalent(builtin: CompiledPack) -> None:
    (r01,) = _queries(builtin, "R01")
    assert "MINUS" in r01 and "NOT EXISTS" not in r01
    (r06,) = _queries(builtin, "R06")
    assert "NOT EXISTS" in r06, "its inner FILTER reads ?rank from outside: must stay"
    unrewritten = compile_pack(load_builtin(), use_minus=False)
    assert all("MINUS" not in q for q in _queries(unrewritten, "R01"))


def test_shared_relations_replace_their_patterns(builtin: CompiledPack) -> None:
    (r04,) = _queries(builtin, "R04")
    assert "{{derived:prohibited " in r04 and "subOrganizationOf" not in r04
    for rule in ("R04", "R07", "R08", "R09", "R10", "R12"):
        assert any(c.relations for c in builtin.constraints if c.rule == rule), rule
    assert [r.name for r in builtin.relations_used()] == [r.name for r in relations()]


def test_compiling_leaves_the_shapes_graph_alone() -> None:
    pack = from_files([COMPILED], builtin=False)
    before = set(pack.graph)
    compile_pack(pack)
    fast.run(PreparedData.from_paths([COMPILED]), pack)
    assert set(pack.graph) == before


def _agree(path: Path) -> tuple[ShapePack, CompiledPack]:
    pack = from_files([path], builtin=False)
    data = PreparedData.from_paths([path])
    expected = {f.key for f in reference.run(data, pack)}
    for use_minus in (True, False):
        assert {f.key for f in fast.run(data, pack, use_minus=use_minus)} == expected
    return pack, compile_pack(pack)


def test_tricky_shapes_compile_and_agree_with_pyshacl() -> None:
    pack, compiled = _agree(COMPILED)
    assert dict(compiled.fallback) == {}
    shapes = {c.rule.rsplit("/", 1)[-1] for c in compiled.constraints}
    assert len(shapes) == 13
    findings = fast.run(PreparedData.from_paths([COMPILED]), pack)
    fired = {f.rule.rsplit("/", 1)[-1] for f in findings}
    assert fired == shapes - {"FilterOnlyShape"}, "each shape fires, but that one never can"


def test_unsupported_shapes_fall_back_one_by_one() -> None:
    _, compiled = _agree(FALLBACK)
    base = "https://example.org/fallback/"
    assert set(compiled.fallback) == {URIRef(base + name) for name in FALLBACK_SHAPES}
    assert {c.rule for c in compiled.constraints} == {base + "CompiledShape"}


@pytest.mark.own_remote_server
def test_compiled_queries_run_on_any_store(make_store: Callable[..., Store]) -> None:
    """The same compiled queries on the embedded store and on `oxigraph serve` over HTTP."""
    store = make_store()
    pack = load_builtin()
    data = PreparedData.from_paths([EXAMPLE])
    triples = data.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    store.load(triples, media_type="application/n-triples", graph=None)
    compiled = compile_pack(pack)
    select = fast.store_rows(store)
    inline = derived.inline_rows(derived.compute(select, compiled.relations_used()))
    found = {f.key for f in fast.evaluate(compiled, select, inline)}
    assert found == {f.key for f in fast.run(data, pack)}
    assert found


def test_runs_may_overlap() -> None:
    """Several runs on one pack and one data set at once (compiled and fallback shapes)."""
    pack = from_files([COMPILED, FALLBACK], builtin=False)
    data = PreparedData.from_paths([COMPILED, FALLBACK])
    alone = {f.key for f in fast.run(data, pack)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda _: {f.key for f in fast.run(data, pack)}, range(4)))
    assert together == [alone] * 4


def test_broken_shapes_fail_as_in_pyshacl() -> None:
    path = CASES / "pathless.ttl"
    pack = from_files([path], builtin=False)
    data = PreparedData.from_paths([path])
    for engine in (fast.run, reference.run):
        with pytest.raises(ShapesError, match="PropertyShape"):
            engine(data, pack)
