"""The ArchiMate importer on the Open Group's Archisurance model, its refusals, and the named
queries that compare the intended picture (an ArchiMate import) with an observed one (an event
log import) in one store, each in its own graph.

Archisurance (shared fixtures) has 17 business actors, none aggregating or composing another
actor; 6 business processes and 9 functions; 2 interactions and 3 collaborations; 10
application components; 12 flows between actors, each pair once in each direction it runs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.catalog import Catalog
from service.cli import main
from service.errors import InputError
from service.importers.contract import Source
from service.importers.run import prepare
from service.resources import QUERIES_DIR
from service.store.embedded import EmbeddedStore
from tests.shared import fixture

CASES = Path(__file__).parent / "import_cases" / "archimate"
MODEL = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
ELEMENTS = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id ?type WHERE { ?e dcterms:identifier ?id ; dcterms:type ?type }
"""
ARCS = """
PREFIX sb: <https://w3id.org/social-business#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?a ?b WHERE { ?arc a sb:Arc ; sb:source/rdfs:label ?a ; sb:target/rdfs:label ?b }
"""


def archisurance() -> ox.Store:
    path = fixture("archimate/opengroup-xmlexchange/archisurance.xml")
    prepared = prepare("archimate", [Source(path.name, path.read_bytes())], options={})
    summary = prepared.report(written=False, dry_run=True)
    assert [summary[k] for k in ("people", "organisations", "tools", "practices")] == [
        17,
        0,
        10,
        15,
    ]
    assert [summary[k] for k in ("conversations", "acts", "arcs", "skipped_count")] == [5, 0, 12, 0]
    assert summary["details"] == {"relationships_unmapped": 165, "unnamed": 0}
    store = ox.Store()
    store.load(prepared.body, format=ox.RdfFormat.N_TRIPLES)
    return store


def rows(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return {tuple(term.value for term in solution) for solution in solutions}


def test_archisurance_keeps_every_id_and_type() -> None:
    store = archisurance()
    kept = dict(rows(store, ELEMENTS))
    assert len(kept) == 17 + 10 + 15 + 5
    assert kept["id-352"] == "BusinessActor"
    assert {kept[i] for i in kept} == {
        "BusinessActor",
        "ApplicationComponent",
        "BusinessProcess",
        "BusinessFunction",
        "BusinessInteraction",
        "BusinessCollaboration",
    }
    arcs = rows(store, ARCS)
    assert len(arcs) == 12
    assert ("Finance", "Back Office") in arcs and ("Back Office", "Finance") in arcs
    assert ("Document Processing SSC", "Intermediary Relations") in arcs


def refused(data: str) -> str:
    with pytest.raises(InputError) as error:
        prepare("archimate", [Source("m.xml", data.encode())], options={})
    return str(error.value)


def test_a_21_file_is_refused_naming_its_version() -> None:
    old = f'<model xmlns="http://www.opengroup.org/xsd/archimate" {XSI} identifier="m"/>'
    assert "version 2.1" in refused(old)
    assert "version 2.1" in refused(old.replace("archimate", "archimate/2.1/"))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (f'<!DOCTYPE model [<!ENTITY a "aa">]><model xmlns="{MODEL}"/>', "a DTD is not accepted"),
        ('<model xmlns="urn:other"/>', "not an ArchiMate 3.x <model>"),
        (f'<model xmlns="{MODEL}"><elements>', "not well-formed XML"),
        (f'<model xmlns="{MODEL}"/>', "has no identifier"),
    ],
)
def test_what_is_not_an_archimate_3_model_is_refused(data: str, why: str) -> None:
    assert why in refused(data)


def test_the_cli_refuses_a_21_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.xml"
    path.write_text('<model xmlns="http://www.opengroup.org/xsd/archimate" identifier="m"/>')
    code = main(["import", "archimate", str(path), "--dry-run", "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "version 2.1" in err


OBSERVED = """case:concept:name,concept:name,time:timestamp,org:resource,case:channel
c1,intake,2024-01-01T09:00:00Z,Ann,portal
c1,check,2024-01-01T10:00:00Z,Carl,portal
c1,close,2024-01-01T11:00:00Z,Bob,Mail
c2,intake,2024-01-02T09:00:00Z,Bob,Mail
c2,close,2024-01-02T10:00:00Z,Ann,Mail
"""
"""An observed log named "handle CLAIM" (the model's practice, case aside): Ann hands over to
Carl (whom the model does not know) and Carl to Bob, over the portal and mail; Bob hands over
to Ann, whom the model connects (Bob's flow to Ann)."""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The `mapping` case imported as the intended picture and a log as the observed one."""
    opened = EmbeddedStore(tmp_path_factory.mktemp("intended") / "store")
    model = CASES / "mapping" / "input.xml"
    prepare("archimate", [Source(model.name, model.read_bytes())], options={}).write(opened)
    log = Source("log.csv", OBSERVED.encode())
    prepare("eventlog", [log], options={"log": "handle CLAIM"}).write(opened)
    yield opened
    opened.close()


def answer(store: EmbeddedStore, name: str) -> list[dict[str, str]]:
    body = Catalog.load(QUERIES_DIR).run(store, name, {}, accept="text/csv").body
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_practices_modelled_but_never_observed(store: EmbeddedStore) -> None:
    assert [row["label"] for row in answer(store, "intended-practices-never-observed")] == [
        "Assess"
    ]


def test_pairs_who_talk_outside_the_model(store: EmbeddedStore) -> None:
    talks = answer(store, "talk-outside-the-model")
    assert [(row["source_name"], row["target_name"], row["weight"]) for row in talks] == [
        ("Ann", "Carl", "1"),
        ("Carl", "Bob", "1"),
    ]


def test_tools_modelled_versus_used(store: EmbeddedStore) -> None:
    tools = answer(store, "modelled-vs-used-tools")
    assert [(row["practice_label"], row["tool"].lower(), row["status"]) for row in tools] == [
        ("Handle claim", "crm", "modelled only"),
        ("Handle claim", "mail", "used only"),
        ("Handle claim", "portal", "used only"),
    ]
