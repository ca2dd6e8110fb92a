"""The findings ledger in the library: content ids, growth, retention and compaction."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.reports import ledger
from service.reports.history import Retention, entries, read, report_graphs
from service.reports.validations import Keeping, Options, Posted, Validations
from service.store.embedded import EmbeddedStore
from service.store.files import load_directory_if_empty
from service.validation import validate
from service.validation.rdfio import Source

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
KEEP_ALL = Retention()
BLANKS = b"""
_:%s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/social-business#Person> .
_:%s <urn:test:name> "someone" .
"""


@pytest.fixture(scope="module")
def validations() -> Iterator[Validations]:
    """One validation worker for the module's validations."""
    made = Validations(workers=1)
    yield made
    made.close()


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    made = EmbeddedStore(tmp_path / "store")
    load_directory_if_empty(made, EXAMPLE, ignore_graphs=frozenset())
    return made


def keep(validations: Validations, store: EmbeddedStore, retention: Retention = KEEP_ALL) -> str:
    """Validate the whole store as a writer (always kept); the kept report's graph."""
    keeping = Keeping(retention, 10_000, writer=True)
    until = time.monotonic() + 300
    _, entry = validations.run(store, Posted(), Options(), keeping, until=until)
    assert entry is not None
    return entry.graph


def test_blank_foci_have_the_same_ids_whatever_their_labels() -> None:
    first = ledger.items(validate(Source("a", BLANKS % (b"x", b"x"), "nt")))
    second = ledger.items(validate(Source("b", BLANKS % (b"other", b"other"), "nt")))
    assert set(first) == set(second)


def test_a_hundred_validations_of_an_unchanged_store_add_only_headers(
    validations: Validations, store: EmbeddedStore
) -> None:
    first = keep(validations, store)
    ledger_size = store.count(ledger.LEDGER_GRAPH)
    before = store.count(all_graphs=True)
    graphs = [keep(validations, store) for _ in range(100)]
    headers = [store.count(g) for g in graphs]
    assert store.count(ledger.LEDGER_GRAPH) == ledger_size
    assert store.count(all_graphs=True) - before == sum(headers)
    assert max(headers) <= 20 < store.count(first), "a header holds no results"
    assert read(store, graphs[-1].rsplit(":", 1)[-1])[1] == read(store, first.rsplit(":", 1)[-1])[1]


def test_retention_compacts_the_oldest_reports_into_a_base(
    validations: Validations, store: EmbeddedStore
) -> None:
    whole = keep(validations, store)
    report = read(store, whole.rsplit(":", 1)[-1])[1]
    store.update(
        "INSERT DATA { GRAPH <urn:test:more> { <urn:test:p> a "
        "<https://w3id.org/social-business#Person> } }"
    )
    later = keep(validations, store)
    keep(validations, store, Retention(2))
    assert report_graphs(store)[-1] == later, "the oldest was dropped"
    assert entries(store)[1] == 2
    rebuilt = read(store, later.rsplit(":", 1)[-1])[1]
    assert len(rebuilt.results) == len(report.results) + 1
    store.delete_graph("urn:test:more")
    keep(validations, store, Retention(1))
    only = report_graphs(store)
    assert len(only) == 1
    assert read(store, only[0].rsplit(":", 1)[-1])[1] == report


def test_history_keep_counts_reports_or_days() -> None:
    assert Retention.of(1000, "5") == Retention(5)
    assert Retention.of(3, "5") == Retention(3)
    assert Retention.of(1000, "30d") == Retention(1000, 30)
    assert Retention.of(1000, None) == Retention(1000)
    graphs = [
        "urn:triskel:report:20990101T000000000000Z-a",
        "urn:triskel:report:20000101T000000000000Z-b",
    ]
    from datetime import UTC, datetime

    assert Retention(10, 30).dropped(graphs, datetime(2099, 1, 2, tzinfo=UTC)) == graphs[1:]
