"""The findings ledger in the library: content ids, growth, retention and compaction.

Reports are compared with what their validation returned through the JSON view, the one
`GET /reports/{id}` and its diff answer with."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.errors import StoreError
from service.reports import history, ledger
from service.reports.as_json import to_dict
from service.reports.diff import Diff
from service.reports.history import Entry, Retention, entries, read, report_graphs
from service.reports.model import Report
from service.reports.snapshot import REPORT_GRAPH_PREFIX
from service.reports.validations import Keeping, Options, Posted, Validations
from service.store.embedded import EmbeddedStore
from service.store.files import load_directory_if_empty
from service.validation import validate
from service.validation.rdfio import Source
from tests.api.test_api_reports import comparable

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
KEEP_ALL = Retention()
NEWCOMER = "<urn:test:p> a <https://w3id.org/social-business#Person>"
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


def keep(
    validations: Validations, store: EmbeddedStore, retention: Retention = KEEP_ALL
) -> tuple[Report, Entry]:
    """Validate the whole store as a writer (always kept): the report and its entry."""
    keeping = Keeping(retention, 10_000, writer=True)
    until = time.monotonic() + 300
    report, entry = validations.run(store, Posted(), Options(), keeping, until=until)
    assert entry is not None
    return report, entry


def view(report: Report) -> dict[str, Any]:
    """A report's JSON view, blank-node labels left out (the store relabels kept ones)."""
    document = to_dict(report)
    return {**document, "results": comparable(document["results"])}


def reads_back(store: EmbeddedStore, entry: Entry, report: Report) -> bool:
    """Does the kept report read back as the report its validation returned?"""
    return view(read(store, entry.id)[1]) == view(report)


def test_blank_foci_have_the_same_ids_whatever_their_labels() -> None:
    first = ledger.items(validate(Source("a", BLANKS % (b"x", b"x"), "nt")))
    second = ledger.items(validate(Source("b", BLANKS % (b"other", b"other"), "nt")))
    assert set(first) == set(second)


def test_validations_of_an_unchanged_store_add_only_headers_whatever_the_retention(
    validations: Validations, store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = store.count(all_graphs=True)
    report, first = keep(validations, store, Retention(2))
    ledger_size, state_size = store.count(ledger.LEDGER_GRAPH), store.count(first.series.graph)
    whole = store.count(first.graph)
    written: list[bytes] = []
    load, update = store.load, store.update
    monkeypatch.setattr(store, "load", lambda body, **o: written.append(body) or load(body, **o))
    monkeypatch.setattr(store, "update", lambda text: written.append(text.encode()) or update(text))
    for _ in range(4):  # the third and fourth drop a report past the one that opened all
        written.clear()
        _, entry = keep(validations, store, Retention(2))
        assert reads_back(store, entry, report)
        assert store.count(ledger.LEDGER_GRAPH) == ledger_size
        assert store.count(first.series.graph) == state_size
        assert ledger.OPENED.encode() not in b"".join(written), "nothing is opened again"
        assert sum(body.count(b"\n") for body in written) <= 20, "a header and a new head"
    kept = report_graphs(store)
    headers = [store.count(g) for g in kept]
    assert len(kept) == 2 and max(headers) <= 16 < whole
    assert store.count(all_graphs=True) == data + ledger_size + state_size + sum(headers)
    assert all(reads_back(store, entry, report) for entry in entries(store)[0])


def test_retention_drops_the_oldest_reports_and_the_survivors_read_back_whole(
    validations: Validations, store: EmbeddedStore
) -> None:
    whole, first = keep(validations, store)
    store.update(f"INSERT DATA {{ GRAPH <urn:test:more> {{ {NEWCOMER} }} }}")
    more, later = keep(validations, store)
    store.delete_graph("urn:test:more")
    fewer, last = keep(validations, store, Retention(2))
    assert report_graphs(store) == [last.graph, later.graph], "the oldest was dropped"
    assert store.count(later.graph) < store.count(first.series.graph), "still a delta"
    assert reads_back(store, later, more) and reads_back(store, last, fewer)
    assert len(more.results) == len(whole.results) + 1 and view(fewer) == view(whole)
    kept = Diff.between(*(to_dict(read(store, e.id)[1])["results"] for e in (last, later)))
    made = Diff.between(to_dict(fewer)["results"], to_dict(more)["results"])
    assert len(kept.resolved) == 1 and len(kept.still_open) == len(whole.results)
    for name in ("new", "resolved", "still_open"):
        assert comparable(kept.to_dict()[name]) == comparable(made.to_dict()[name])
    _, only = keep(validations, store, Retention(1))
    assert report_graphs(store) == [only.graph] and reads_back(store, only, whole)


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


def test_a_keep_loads_its_descriptions_in_pieces_and_a_failed_one_leaves_nothing(
    validations: Validations, store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The descriptions go in pieces of `PIECE` quads or more (the last one too) before the
    load that makes the report exist; when that load fails, the descriptions it had written
    are removed again."""
    before = store.count(all_graphs=True)
    monkeypatch.setattr(history, "PIECE", 50)
    loads: list[bytes] = []
    load = store.load

    def failing(body: bytes, **options: Any) -> int:
        loads.append(body)
        if REPORT_GRAPH_PREFIX.encode() in body:
            raise StoreError("the store refused the report")
        return load(body, **options)

    monkeypatch.setattr(store, "load", failing)
    with pytest.raises(StoreError):
        keep(validations, store)
    assert len(loads) > 10, "the descriptions came in pieces"
    assert all(body.count(b"\n") >= 50 for body in loads[:-1]), "no piece under PIECE"
    assert store.count(all_graphs=True) == before and not report_graphs(store)
    monkeypatch.setattr(store, "load", load)
    report, entry = keep(validations, store)
    assert reads_back(store, entry, report)
