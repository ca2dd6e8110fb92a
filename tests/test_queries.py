"""Every named query against its fixture case: the exact expected rows, in order.

A case is the folder `tests/query_cases/<query name>/`: `data.ttl` (loaded next to the
ontology files, as the service holds them), an optional `params.json` (raw parameter strings,
as a user types them) and `expected.csv` (the SPARQL CSV result). A query without a case fails.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph
import pytest

from service.catalog import Catalog
from service.resources import DATA_DIR, ONTOLOGY_FILES, ONTOLOGY_IRI, QUERIES_DIR

CASES_DIR = Path(__file__).parent / "query_cases"
QUERY_NAMES = sorted(path.stem for path in QUERIES_DIR.glob("*.rq"))
EXAMPLE_FILES = sorted((DATA_DIR / "example").glob("*.ttl"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(QUERIES_DIR)


def _params(case: Path) -> dict[str, str]:
    path = case / "params.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _store(data_files: Iterable[Path]) -> pyoxigraph.Store:
    """The ontology in its own graph and each data file in another, as the service loads them."""
    store = pyoxigraph.Store()
    for path in ONTOLOGY_FILES:
        store.load(path=path, format=pyoxigraph.RdfFormat.TURTLE, to_graph=pyoxigraph.NamedNode(ONTOLOGY_IRI))
    for path in data_files:
        graph = pyoxigraph.NamedNode(path.resolve().as_uri())
        store.load(path=path, format=pyoxigraph.RdfFormat.TURTLE, to_graph=graph)
    return store


def _csv_answer(
    catalog: Catalog, store: pyoxigraph.Store, name: str, params: Mapping[str, str]
) -> list[list[str]]:
    substitutions = {pyoxigraph.Variable(k): v for k, v in catalog.bind(name, params).items()}
    solutions = store.query(
        catalog.get(name).text, substitutions=substitutions, use_default_graph_as_union=True
    )
    body = solutions.serialize(format=pyoxigraph.QueryResultsFormat.CSV)
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_every_case_belongs_to_a_query() -> None:
    orphans = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir() and p.name not in QUERY_NAMES)
    assert orphans == []


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_returns_the_expected_rows(catalog: Catalog, name: str) -> None:
    case = CASES_DIR / name
    assert (case / "data.ttl").is_file(), f"query {name} has no fixture case in {case}"
    expected = list(csv.reader(io.StringIO((case / "expected.csv").read_text(encoding="utf-8"))))
    assert len(expected) > 1, f"{name}: a case must expect at least one row"

    actual = _csv_answer(catalog, _store([case / "data.ttl"]), name, _params(case))

    assert actual[0] == expected[0], f"{name}: columns differ"
    assert actual[1:] == expected[1:]


@pytest.mark.skipif(not EXAMPLE_FILES, reason="data/example has no Turtle files yet")
def test_every_query_runs_over_the_example(catalog: Catalog) -> None:
    store = _store(EXAMPLE_FILES)
    for name in QUERY_NAMES:
        case = CASES_DIR / name
        header = _csv_answer(catalog, store, name, _params(case))[0]
        assert header == (case / "expected.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
