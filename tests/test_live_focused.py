"""Restricted re-check queries (`service.validation.focused`) give exactly the full query's
rows for their focus nodes: every compiled rule of the built-in pack on the example data,
for focus lists that mix nodes with and without findings, named and blank."""

from __future__ import annotations

import doctest
import random

import pyoxigraph as ox
import pytest

from service.resources import DATA_DIR
from service.validation import derived, focused
from service.validation.compile import compile_pack
from service.validation.fast import store_select
from service.validation.focused import FOCUS_IRI, restrict
from service.validation.prepare import PreparedData
from service.validation.shapes import load_builtin

FOCUS = ox.NamedNode(FOCUS_IRI)


def test_doctests() -> None:
    assert doctest.testmod(focused).failed == 0


def _rows(store: ox.Store, query: str) -> set[tuple[tuple[str, str], ...]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return {tuple((n, str(s[n])) for n in names if s[n] is not None) for s in solutions}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    prepared = PreparedData.from_paths([DATA_DIR / "example"])
    store = ox.Store()
    store.extend(prepared.store)
    compiled = compile_pack(load_builtin())
    tables = derived.compute(store_select(store), compiled.relations_used())
    store.extend(derived.scratch_quads(tables))
    return store


@pytest.mark.parametrize("blank", [False, True])
def test_restricted_rows_equal_full_rows_for_the_focus(store: ox.Store, blank: bool) -> None:
    rng = random.Random(3)
    checked = 0
    for constraint in compile_pack(load_builtin()).constraints:
        query = derived.render(constraint.query, None)
        full = _rows(store, query)
        with_findings = sorted({dict(r)["this"] for r in full})
        subjects = sorted({str(q.subject) for q in store if not isinstance(q.subject, ox.Triple)})
        foci = rng.sample(with_findings, min(2, len(with_findings))) + rng.sample(subjects, 3)
        expected = {r for r in full if dict(r)["this"] in foci}
        restricted = restrict(query, "this")
        if blank:
            for quad in list(store.quads_for_pattern(None, None, None, FOCUS)):
                store.remove(quad)
            nodes = [q.subject for q in store if str(q.subject) in foci]
            store.extend(ox.Quad(n, FOCUS, n, FOCUS) for n in nodes)
            text = restricted.render([], blank=True)
        else:
            text = restricted.render([f for f in foci if not f.startswith("_:")], blank=False)
            expected = {r for r in expected if not dict(r)["this"].startswith("_:")}
        assert _rows(store, text) == expected, constraint.rule
        checked += bool(expected)
    assert checked >= 10  # the lists met real findings, not only empty results
