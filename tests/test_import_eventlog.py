"""The event-log importer on PM4Py's public logs, and its refusals.

The running example (6 cases, 42 events) gives the same handover-of-work network from its XES
and its CSV, and it is PM4Py's `discover_handover_of_work_network` (beta = 0): the weights
below were counted by hand from the log, case by case; PM4Py divides each by the 36 directly
succeeding pairs, self-handovers (Mike once, Sara three times) included.
"""

from __future__ import annotations

import csv
import doctest
import gzip
from fractions import Fraction
from types import ModuleType

import pyoxigraph as ox
import pytest

from service import importers
from service.errors import ForbiddenOperationError, InputError, NotFoundError, TooLargeError
from service.importers import contract, eventlog, run
from service.importers.contract import Source
from service.importers.eventlog import read
from service.importers.run import prepare
from service.resources import CONCEPTS_FILE
from service.validation import validate
from service.validation.rdfio import Source as ValidationSource
from tests.shared import fixture

HANDOVER = {
    ("Pete", "Mike"): 2, ("Mike", "Ellen"): 2, ("Ellen", "Sara"): 1, ("Sara", "Sean"): 1,
    ("Sean", "Pete"): 1, ("Pete", "Sara"): 3, ("Sara", "Ellen"): 4, ("Mike", "Sean"): 2,
    ("Sean", "Sara"): 2, ("Pete", "Sue"): 1, ("Sue", "Mike"): 1, ("Mike", "Sara"): 3,
    ("Sara", "Pete"): 1, ("Ellen", "Mike"): 3, ("Sara", "Mike"): 2, ("Mike", "Pete"): 1,
    ("Sara", "Sue"): 1, ("Sue", "Pete"): 1,
}  # fmt: skip
"""The running example's handovers: case 3 Pete Mike Ellen Sara Sara Sean Pete Sara Ellen,
case 2 Mike Mike Sean Sara Ellen, case 1 Pete Sue Mike Sara Pete, case 6 Mike Ellen Mike Sara
Mike, case 5 Ellen Mike Pete Sara Sara Ellen Mike Sara Sara Sue Pete Sara Mike, case 4 Pete
Mike Sean Sara Ellen, each pair of neighbours with two different resources counted once."""
SELF_HANDOVERS = 4
NETWORK = """
PREFIX sb: <https://w3id.org/social-business#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?a ?b ?w WHERE {
  ?arc a sb:Arc ; sb:source/dcterms:identifier ?a ; sb:target/dcterms:identifier ?b ;
       sb:weight ?w }
"""


def network(name: str, **options: str) -> dict[tuple[str, str], int]:
    """The handover network an import of a shared PM4Py log holds, by resource names."""
    path = fixture(f"eventlogs/pm4py/{name}")
    prepared = prepare("eventlog", [Source(path.name, path.read_bytes())], options=options)
    store = ox.Store()
    store.load(prepared.body, format=ox.RdfFormat.N_TRIPLES)
    solutions = store.query(NETWORK)
    assert isinstance(solutions, ox.QuerySolutions)
    return {(s["a"].value, s["b"].value): int(s["w"].value) for s in solutions}


def test_running_example_xes_and_csv_give_pm4pys_handover_network() -> None:
    from_xes = network("running-example.xes")
    assert from_xes == network("running-example.csv") == HANDOVER
    pairs = sum(HANDOVER.values()) + SELF_HANDOVERS
    assert pairs == 36
    normalised = {pair: Fraction(weight, pairs) for pair, weight in from_xes.items()}
    assert normalised[("Sara", "Ellen")] == Fraction(1, 9)


def test_running_example_summary() -> None:
    path = fixture("eventlogs/pm4py/running-example.xes")
    report = prepare("eventlog", [Source(path.name, path.read_bytes())], options={}).report(
        written=False, dry_run=True
    )
    assert (report["people"], report["conversations"], report["acts"], report["arcs"]) == (
        6, 6, 42, 18
    )  # fmt: skip
    assert report["details"]["self_handovers"] == SELF_HANDOVERS
    assert report["details"]["handovers"] == 32


def test_receipt_channels_are_the_tools_of_its_conversations_and_of_their_resources() -> None:
    path = fixture("eventlogs/pm4py/receipt.csv")
    prepared = prepare("eventlog", [Source(path.name, path.read_bytes())], options={})
    report = prepared.report(written=False, dry_run=True)
    assert (report["conversations"], report["details"]["events"], report["people"]) == (
        1434, 8577, 48
    )  # fmt: skip
    store = ox.Store()
    store.load(prepared.body, format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(
        "SELECT ?name (COUNT(?c) AS ?n) WHERE { ?c <https://w3id.org/social-business#carriedBy> "
        "?t . ?t <http://www.w3.org/2000/01/rdf-schema#label> ?name } GROUP BY ?name"
    )
    assert isinstance(rows, ox.QuerySolutions)
    counts = {row["name"].value: int(row["n"].value) for row in rows}
    assert counts == {"Internet": 1250, "Desk": 109, "Post": 53, "e-mail": 21, "Intern": 1}
    uses = store.query(
        "SELECT ?who ?what WHERE { ?p <https://w3id.org/social-business#usesTool> ?t . "
        "?p <http://xmlns.com/foaf/0.1/name> ?who . "
        "?t <http://www.w3.org/2000/01/rdf-schema#label> ?what }"
    )
    assert isinstance(uses, ox.QuerySolutions)
    with path.open(newline="", encoding="utf-8") as rows_file:
        worked = {
            (row["org:resource"], row["case:channel"])
            for row in csv.DictReader(rows_file)
            if row["org:resource"] and row["case:channel"]
        }
    assert {(row["who"].value, row["what"].value) for row in uses} == worked
    assert len(worked) > 48  # some resources work through several channels


def test_receipt_reports_no_participant_without_the_channel_of_its_case() -> None:
    """R03 asks that a participant use a tool of the conversation: the log itself shows who
    worked through which channel, so its import leaves R03 nothing to report."""
    path = fixture("eventlogs/pm4py/receipt.csv")
    prepared = prepare("eventlog", [Source(path.name, path.read_bytes())], options={})
    report = validate(ValidationSource("receipt.nt", prepared.body, "nt"))
    rules = {finding.rule for finding in report.findings}
    assert "R03" not in rules
    assert "R13" in rules  # still judged: a case of a single resource has one participant


def test_pseudonymised_names_are_keyed_hashes_and_no_name_is_stored() -> None:
    path = fixture("eventlogs/pm4py/running-example.csv")
    source = [Source(path.name, path.read_bytes())]
    one = prepare("eventlog", source, options={}, pseudonymise=True, pseudonym_key="k1")
    again = prepare("eventlog", source, options={}, pseudonymise=True, pseudonym_key="k1")
    other = prepare("eventlog", source, options={}, pseudonymise=True, pseudonym_key="k2")
    for name in ("Pete", "Mike", "Ellen", "Sara", "Sean", "Sue"):
        assert name.encode() not in one.body
    assert one.run == again.run != other.run
    assert one.report(written=False, dry_run=True)["pseudonymised"] is True
    with pytest.raises(InputError, match="TRISKEL_PSEUDONYM_KEY"):
        prepare("eventlog", source, options={}, pseudonymise=True, pseudonym_key=None)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "the file is empty"),
        (b"a,b\n1,2\n", "no column 'case:concept:name'"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"<log><trace>", "not well-formed XML"),
        (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", "root element"),
        (b'<!DOCTYPE log [<!ENTITY a "aaaa">]><log>&a;</log>', "DTD is not accepted"),
        (b'<!DOCTYPE log SYSTEM "file:///etc/passwd"><log/>', "DTD is not accepted"),
    ],
)
def test_a_file_that_is_not_an_event_log_is_refused_naming_why(data: bytes, why: str) -> None:
    with pytest.raises(InputError, match=why):
        prepare("eventlog", [Source("in", data)], options={})


def test_bad_options_and_mappings_are_refused() -> None:
    source = [Source("in.csv", b"case:concept:name,concept:name,time:timestamp\n")]
    with pytest.raises(InputError, match="no option 'colour'"):
        prepare("eventlog", source, options={"colour": "red"})
    with pytest.raises(InputError, match="act type 'ask'"):
        prepare("eventlog", source, options={}, mapping=b'[act_types]\nx = "ask"\n')
    with pytest.raises(InputError, match="not a TOML file"):
        prepare("eventlog", source, options={}, mapping=b"[act_types\n")
    with pytest.raises(NotFoundError, match="no importer of kind 'fax'"):
        prepare("fax", source, options={})
    with pytest.raises(InputError, match="not an absolute IRI"):
        prepare("eventlog", source, options={}, graph="not an iri")
    with pytest.raises(ForbiddenOperationError, match="urn:triskel:ledger"):
        prepare("eventlog", source, options={}, graph="urn:triskel:ledger")


@pytest.mark.parametrize("module", [importers, contract, run, eventlog, read], ids=str)
def test_doctests(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0


def test_act_types_are_the_ontologys() -> None:
    """The act types a mapping may name are exactly the members of `sb:ActType`."""
    store = ox.Store()
    store.load(path=CONCEPTS_FILE, format=ox.RdfFormat.TURTLE)
    rows = store.query("SELECT ?t WHERE { ?t a <https://w3id.org/social-business#ActType> }")
    assert isinstance(rows, ox.QuerySolutions)
    members = {row["t"].value.rpartition("#")[2] for row in rows}
    assert members == set(eventlog.ACT_TYPES)


def test_an_xes_log_with_a_byte_order_mark_is_xes() -> None:
    path = fixture("eventlogs/pm4py/running-example.xes")
    marked = Source(path.name, b"\xef\xbb\xbf" + path.read_bytes())
    assert prepare("eventlog", [marked], options={}).summary.acts == 42


def test_a_gzipped_xes_log_reads_as_the_log_itself() -> None:
    """`.xes.gz`, as public logs are published: the same network and the same log name."""
    path = fixture("eventlogs/pm4py/running-example.xes")
    packed = Source("running-example.xes.gz", gzip.compress(path.read_bytes()))
    plain = prepare("eventlog", [Source(path.name, path.read_bytes())], options={})
    unpacked = prepare("eventlog", [packed], options={})
    assert (
        unpacked.body.split(b"<urn:triskel:import:")[0]
        == plain.body.split(b"<urn:triskel:import:")[0]
    )
    assert unpacked.summary.counts() == plain.summary.counts() != {}


def test_a_gzip_bomb_or_a_broken_gzip_file_is_refused() -> None:
    bomb = Source("bomb.xes.gz", gzip.compress(b"<log>" + b" " * 5_000_000 + b"</log>"))
    with pytest.raises(TooLargeError, match="unpacks past 1,000,000 bytes"):
        prepare("eventlog", [bomb], options={}, max_bytes=1_000_000)
    cut = Source("cut.xes.gz", gzip.compress(b"<log></log>" * 1000)[:40])
    with pytest.raises(InputError, match=r"cut\.xes\.gz: the gzip file ends before its data does"):
        prepare("eventlog", [cut], options={})
    bad = Source("bad.xes.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 30)
    with pytest.raises(InputError, match=r"bad\.xes\.gz: not a readable gzip file"):
        prepare("eventlog", [bad], options={})
