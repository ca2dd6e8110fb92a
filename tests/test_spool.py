"""A report's results kept compressed (`service.reports.spool`) read as the tuple they
replace, and a report assembled a part of the findings at a time is the report built whole."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from service.reports import spool as spool_module
from service.reports.as_json import to_json
from service.reports.context import Context
from service.reports.model import Report
from service.reports.spool import Spool
from service.validation import load_builtin, prepare_data, validate
from service.validation.rdfio import Source

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted((ROOT / "data" / "example").glob("*.ttl")),
    *sorted((ROOT / "tests" / "shape_cases").glob("*.ttl")),
]
BLANKS = b"""
_:p <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/social-business#Person> .
_:p <urn:test:name> "someone" .
"""


def test_doctests() -> None:
    assert doctest.testmod(spool_module).failed == 0


def test_a_spool_reads_as_its_items_across_blocks() -> None:
    items = [(n, BNode(f"b{n}"), URIRef(f"urn:test:{n}"), Literal(n)) for n in range(25)]
    spool = Spool[tuple[int, BNode, URIRef, Literal]](block=4)
    for item in items:
        spool.append(item)
    spool.close()
    assert len(spool) == 25 and bool(spool)
    assert list(spool) == items and list(spool) == items, "read again, the same"
    assert [spool[i] for i in range(-25, 25)] == items + items
    assert list(spool[3:11]) == items[3:11] and list(spool[::-3]) == items[::-3]
    assert list(spool[:100]) == items and not Spool[int]()
    with pytest.raises(IndexError):
        spool[25]


def test_a_report_assembled_in_parts_is_the_report_built_whole() -> None:
    """Parts of three findings, each with the data, give the JSON of the report built whole
    (ids, blank-node names, contexts, scores and summaries), its results in a spool."""
    prepared = prepare_data([*(Source.from_path(p) for p in SOURCES), Source("b", BLANKS, "nt")])
    pack = load_builtin()
    whole = validate(prepared, shapes=pack)
    found = whole.findings
    parts = [(found[start : start + 3], prepared) for start in range(0, len(found), 3)]
    assembled = Report.assemble(parts, pack, Context(prepared), keep=Spool.of)
    assert isinstance(assembled.results, Spool) and len(parts) > 10
    assert any(isinstance(f.focus, BNode) for f in found) and whole.names, "blank foci named"
    assert to_json(assembled) == to_json(whole)
    assert assembled.names == whole.names
