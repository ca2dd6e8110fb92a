"""Finding ids are content ids: the same after an export and a reload, blank-node foci too."""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode

from service.rdf.formats import NQUADS, NTRIPLES
from service.reports import ledger, to_dict
from service.reports.model import Report
from service.reports.snapshot import Snapshot
from service.store.embedded import EmbeddedStore
from service.store.files import load_directory_if_empty
from service.validation import validate

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
BLANK_PEOPLE = b"""
_:a <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/social-business#Person> .
_:a <http://xmlns.com/foaf/0.1/name> "Someone" .
_:b <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/social-business#Person> .
_:b <http://xmlns.com/foaf/0.1/name> "Someone else" .
"""
"""Two people known only as blank nodes, members of no organisation: R17 on each."""


def validated(store: EmbeddedStore) -> Report:
    return validate(Snapshot.of_store(store).source())


def test_ids_survive_export_and_reload_blank_foci_included(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path / "first")
    load_directory_if_empty(first, EXAMPLE, ignore_graphs=frozenset())
    first.load(BLANK_PEOPLE, media_type=NTRIPLES, graph="urn:test:blank-people")
    before = validated(first)
    dataset = first.export(None, media_type=NQUADS, dataset=True)
    second = EmbeddedStore(tmp_path / "second")
    second.load(dataset, media_type=NQUADS, graph=None, keep_graphs=True)
    after = validated(second)
    blank = [r for r in before.results if isinstance(r.finding.focus, BNode)]
    assert len(blank) == 2 and len({r.id for r in blank}) == 2
    assert {r.finding.focus for r in blank}.isdisjoint(r.finding.focus for r in after.results), (
        "the reload relabelled the blank nodes"
    )
    assert sorted(r.id for r in after.results) == sorted(r.id for r in before.results)


def test_the_json_id_is_the_ledger_iris_local_part() -> None:
    report = validate(EXAMPLE)
    findings = {i for i in ledger.items(report) if i.startswith(ledger.FINDING_PREFIX)}
    ids = [r["id"] for r in to_dict(report)["results"]]
    assert findings == {ledger.finding_iri(i) for i in ids}
    assert all(len(i) == 32 for i in ids)
