"""The history's series state: keeping and reading reports without replaying the series."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from service.errors import NotFoundError
from service.reports import history, ledger, series
from service.reports.history import Entry, Retention, new_entry, read, record
from service.reports.model import Report
from service.store.embedded import EmbeddedStore
from service.store.system_graphs import service_writes
from service.validation import validate
from service.validation.rdfio import Source

KEEP_ALL = Retention()
PERSON = "<urn:test:{0}> a <https://w3id.org/social-business#Person> .\n"
BLANK = '[] a <https://w3id.org/social-business#Person> ; <http://xmlns.com/foaf/0.1/name> "X" .'


@cache
def people(*names: str) -> Report:
    """The report on people of no organisation (R17 on each), one of them a blank node."""
    data = "".join(PERSON.format(name) for name in names) + BLANK
    return validate(Source("people", data.encode(), "ttl"))


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(tmp_path / "store")


def keep(store: EmbeddedStore, report: Report, retention: Retention = KEEP_ALL) -> Entry:
    entry = new_entry(report, fingerprint="sha256:0", shapes="sha256:1", engine="fast", scope=None)
    record(store, report, entry, retention=retention)
    return entry


def ids(report: Report) -> list[str]:
    return sorted(r.id for r in report.results)


def same(read_back: Report, made: Report) -> bool:
    """The same findings, counts, scores and rule summaries (blank labels aside)."""
    return (
        ids(read_back) == ids(made)
        and read_back.counts == made.counts
        and read_back.rules == made.rules
        and read_back.practices == made.practices
    )


def state(store: EmbeddedStore, entry: Entry) -> set[str]:
    return series.state_items(store, entry.series)


def described(store: EmbeddedStore) -> set[str]:
    """The items the ledger graph describes."""
    query = (
        f"SELECT DISTINCT ?s {{ GRAPH <{ledger.LEDGER_GRAPH}> {{ ?s a ?kind }} FILTER isIRI(?s) }}"
    )
    return {row["s"].value for row in store.select(query)}


def crash(*args: object) -> None:
    """A keep killed between its two writes."""
    raise OSError("killed")


def test_the_state_holds_the_newest_reports_items_and_every_report_reads_back(
    store: EmbeddedStore,
) -> None:
    made = [people("ana"), people("ana", "bo"), people("bo"), people("bo")]
    kept = [keep(store, report) for report in made]
    assert state(store, kept[-1]) == set(ledger.items(made[-1]))
    for entry, report in zip(kept, made, strict=True):
        assert same(read(store, entry.id)[1], report)


def test_keeping_an_unchanged_report_reads_no_items(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = keep(store, people("ana"))
    size = store.count(all_graphs=True)

    def refused(*args: object) -> set[str]:
        raise AssertionError("the state's items were read")

    monkeypatch.setattr(history, "state_items", refused)
    newer = keep(store, people("ana"))
    assert store.count(all_graphs=True) - size == store.count(newer.graph) < 20
    assert store.count(first.series.graph) == len(ledger.items(people("ana"))) + 3


def test_reading_a_small_report_never_exports_a_big_ledger(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep(store, people(*(f"p{n}" for n in range(400))))
    entry = keep(store, people("ana"))
    export = store.export

    def guarded(graph: str | None, **options: object) -> bytes:
        assert graph != ledger.LEDGER_GRAPH, "the whole ledger was exported"
        return export(graph, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "export", guarded)
    assert same(read(store, entry.id)[1], people("ana"))


def test_descriptions_read_by_queries_or_by_export_agree(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep(store, people("ana", "bo"))
    items = set(ledger.items(people("ana", "bo")))
    exported = ledger.described(store, items)
    monkeypatch.setattr(ledger, "EXPORTED_SHARE", 0)
    queried = ledger.described(store, items, chunk=3)
    assert len(exported) > 20
    assert sorted(map(str, queried)) == sorted(map(str, exported))


def test_a_crash_before_the_state_loses_its_old_head_is_repaired(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep(store, people("ana"))
    with monkeypatch.context() as patched:
        patched.setattr(history, "removed", crash)
        with pytest.raises(OSError):
            keep(store, people("bo"))
    crashed = history.report_graphs(store)[0]
    members = history.series(store, read(store, crashed.rsplit(":", 1)[-1])[0].series)
    assert series.head(store, read(store, crashed.rsplit(":", 1)[-1])[0].series, members) is None
    assert same(read(store, crashed.rsplit(":", 1)[-1])[1], people("bo")), "read replays"
    latest = keep(store, people("ana", "bo"))
    assert state(store, latest) == set(ledger.items(people("ana", "bo")))
    assert same(read(store, latest.id)[1], people("ana", "bo"))


def test_a_missing_state_is_rebuilt(store: EmbeddedStore) -> None:
    first = keep(store, people("ana"))
    with service_writes():
        store.delete_graph(first.series.graph)
    latest = keep(store, people("bo"))
    assert state(store, latest) == set(ledger.items(people("bo")))
    assert same(read(store, first.id)[1], people("ana"))


def test_retention_keeps_the_state_and_drops_it_with_the_last_report(
    store: EmbeddedStore,
) -> None:
    made = [people("ana"), people("ana", "bo"), people("bo")]
    kept = [keep(store, report, Retention(2)) for report in made]
    assert history.report_graphs(store) == [kept[2].graph, kept[1].graph]
    assert same(read(store, kept[1].id)[1], made[1])
    assert same(read(store, kept[2].id)[1], made[2])
    assert state(store, kept[2]) == set(ledger.items(made[2]))
    history.prune(store, Retention(0))
    assert kept[2].series.graph not in store.graphs()
    assert store.count(ledger.LEDGER_GRAPH) == 0


def test_a_finding_opened_resolved_and_opened_again_is_three_events_under_one_id(
    store: EmbeddedStore,
) -> None:
    made = [people("ana"), people("ana", "bo"), people("ana"), people("ana", "bo")]
    kept = [keep(store, report, Retention(4)) for report in [*made, made[-1]]]
    bo = {r.id for r in people("ana", "bo").results} - {r.id for r in people("ana").results}
    finding = ledger.finding_iri(bo.pop())
    survivors = history.report_graphs(store)[::-1]
    lifecycle = [
        (graph, event)
        for graph, done in zip(survivors, series.events(store, survivors), strict=True)
        for event, item in done
        if item == finding
    ]
    assert lifecycle == [
        (kept[1].graph, ledger.OPENED),
        (kept[2].graph, ledger.CLOSED),
        (kept[3].graph, ledger.OPENED),
    ]
    assert survivors == [entry.graph for entry in kept[1:]], "the first was dropped"
    for entry, report in zip(kept[1:], [*made[1:], made[-1]], strict=True):
        assert same(read(store, entry.id)[1], report)


def test_a_crash_after_the_first_report_was_dropped_is_repaired_from_the_state(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for report in (people("ana"), people("ana", "bo")):
        keep(store, report, Retention(1))
    with monkeypatch.context() as patched:
        patched.setattr(history, "removed", crash)
        with pytest.raises(OSError):
            keep(store, people("bo"), Retention(1))
    crashed = history.report_graphs(store)[0].rsplit(":", 1)[-1]
    assert same(read(store, crashed)[1], people("bo")), "the keep is finished in memory"
    latest = keep(store, people("bo", "cy"), Retention(1))
    assert state(store, latest) == set(ledger.items(people("bo", "cy")))
    assert same(read(store, latest.id)[1], people("bo", "cy"))


def test_a_state_lost_after_the_first_report_was_dropped_starts_the_series_anew(
    store: EmbeddedStore, caplog: pytest.LogCaptureFixture
) -> None:
    keep(store, people("ana"), Retention(2))
    keep(store, people("ana", "bo"), Retention(2))
    orphan = keep(store, people("bo"), Retention(2))
    with service_writes():
        store.delete_graph(orphan.series.graph)
    with pytest.raises(NotFoundError, match="state is lost"):
        read(store, orphan.id)
    latest = keep(store, people("cy"), Retention(2))
    assert history.report_graphs(store) == [latest.graph]
    assert "state <" in caplog.text and "is lost" in caplog.text
    assert same(read(store, latest.id)[1], people("cy"))
    assert described(store) == set(ledger.items(people("cy"))), "the lost series' items went"


def test_pruning_a_series_whose_state_is_lost_drops_it_whole(
    store: EmbeddedStore, caplog: pytest.LogCaptureFixture
) -> None:
    kept = [keep(store, people(*names), Retention(2)) for names in (["ana"], ["bo"], ["cy"])]
    with service_writes():
        store.delete_graph(kept[0].series.graph)
    dropped = history.prune(store, Retention(1))
    assert dropped == [kept[2].graph, kept[1].graph], "not only the oldest: all unreadable"
    assert history.report_graphs(store) == [] and described(store) == set()
    assert "is lost" in caplog.text


def test_a_keep_landing_during_a_read_waits_for_it(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep(store, people("bo"), Retention(2))
    first, second = (keep(store, people("ana"), Retention(2)) for _ in range(2))
    listed, writers = history.series, []

    def listed_then_a_keep(*args: Any) -> list[str]:
        members = listed(*args)
        if not writers:  # the reader's listing: a keep starts, a second to land
            writers.append(threading.Thread(target=keep, args=(store, people("cy"))))
            writers[0].start()
            writers[0].join(timeout=1)
        return members

    monkeypatch.setattr(history, "series", listed_then_a_keep)
    assert same(read(store, first.id)[1], people("ana"))
    writers[0].join()
    assert same(read(store, second.id)[1], people("ana"))
    assert same(read(store, history.report_graphs(store)[0].rsplit(":", 1)[-1])[1], people("cy"))
