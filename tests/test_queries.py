"""Every named query against its fixture case: the exact expected rows, in order.

A case is the folder `tests/query_cases/<query name>/`: `data.ttl` (loaded next to the
ontology files, as the service holds them), an optional `params.json` (raw parameter strings,
as a user types them) and `expected.csv` (the SPARQL CSV result). A query without a case fails.
Over `data/example`, every query runs, and the ones that restate an alignment rule find what
validation finds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from service.catalog import Catalog
from service.resources import DATA_DIR, ONTOLOGY_FILES, ONTOLOGY_IRI, QUERIES_DIR
from service.store.embedded import EmbeddedStore
from service.validation import validate

CASES_DIR = Path(__file__).parent / "query_cases"
QUERY_NAMES = sorted(path.stem for path in QUERIES_DIR.glob("*.rq"))
EXAMPLE_FILES = sorted((DATA_DIR / "example").glob("*.ttl"))
CASE_GRAPH = "urn:test:case"
ENACTS = "SELECT ?c ?p WHERE { ?c <https://w3id.org/social-business#enacts> ?p }"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(QUERIES_DIR)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """An embedded store holding the ontology in its graph, as the service does."""
    opened = EmbeddedStore(tmp_path_factory.mktemp("queries") / "store")
    _load(opened, ONTOLOGY_FILES, graph=ONTOLOGY_IRI)
    yield opened
    opened.close()


def _load(store: EmbeddedStore, files: Iterable[Path], *, graph: str) -> None:
    for path in files:
        store.load(path.read_bytes(), media_type="text/turtle", graph=graph, source=path.name)


@contextmanager
def _case_data(store: EmbeddedStore, files: Iterable[Path]) -> Iterator[None]:
    """The files in the case graph for the time of one test; the ontology stays."""
    _load(store, files, graph=CASE_GRAPH)
    try:
        yield
    finally:
        store.delete_graph(CASE_GRAPH)


def _params(case: Path) -> dict[str, str]:
    path = case / "params.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _csv_answer(
    catalog: Catalog, store: EmbeddedStore, name: str, params: Mapping[str, str]
) -> list[list[str]]:
    body = catalog.run(store, name, params, accept="text/csv").body
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_every_case_belongs_to_a_query() -> None:
    orphans = sorted(
        p.name for p in CASES_DIR.iterdir() if p.is_dir() and p.name not in QUERY_NAMES
    )
    assert orphans == []


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_returns_the_expected_rows(catalog: Catalog, store: EmbeddedStore, name: str) -> None:
    case = CASES_DIR / name
    assert (case / "data.ttl").is_file(), f"query {name} has no fixture case in {case}"
    expected = list(csv.reader(io.StringIO((case / "expected.csv").read_text(encoding="utf-8"))))
    assert len(expected) > 1, f"{name}: a case must expect at least one row"

    with _case_data(store, [case / "data.ttl"]):
        actual = _csv_answer(catalog, store, name, _params(case))

    assert actual[0] == expected[0], f"{name}: columns differ"
    assert actual[1:] == expected[1:]


def test_every_query_runs_over_the_example(catalog: Catalog, store: EmbeddedStore) -> None:
    with _case_data(store, EXAMPLE_FILES):
        for name in QUERY_NAMES:
            case = CASES_DIR / name
            header = _csv_answer(catalog, store, name, _params(case))[0]
            expected = (case / "expected.csv").read_text(encoding="utf-8").splitlines()[0]
            assert header == expected.split(","), name


COUNT_RULES = {
    "with_isolated_participant": "R01",
    "over_prohibited_tool": "R04",
    "over_uncleared_tool": "R06",
}


def test_queries_agree_with_the_rules_on_the_example(
    catalog: Catalog, store: EmbeddedStore
) -> None:
    """The queries that restate a rule (R01, R04, R06, R08) find what validation finds."""
    findings = validate(EXAMPLE_FILES).findings
    with _case_data(store, EXAMPLE_FILES):
        isolated = catalog.select(store, "isolated-participants", {})
        arcs = catalog.select(store, "arcs-without-shared-permitted-tool", {})
        counts = catalog.select(store, "alignment-counts-per-practice", {})
        enacts = {row["c"].value: row["p"].value for row in store.select(ENACTS)}

    def found(rule: str) -> set[tuple[str, str]]:
        return {(str(f.focus), str(f.value)) for f in findings if f.rule == rule}

    assert {(r["conversation"].value, r["person"].value) for r in isolated} == found("R01")
    assert {r["arc"].value for r in arcs} == {focus for focus, _ in found("R08")}
    for column, rule in COUNT_RULES.items():
        broken = {focus for focus, _ in found(rule)}
        for row in counts:
            practice = row["practice"].value
            expected = len({c for c in broken if enacts.get(c) == practice})
            assert int(row[column].value) == expected, (rule, practice)
