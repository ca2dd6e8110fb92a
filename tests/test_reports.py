"""The report model and its views, on small data files with known findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from service.errors import UnsupportedFormatError
from service.reports import FORMATS, Report, render, to_dict, to_graph
from service.reports.model import layer_keys
from service.validation import validate

TESTS = Path(__file__).parent
SCORES = TESTS / "report_cases" / "scores.ttl"
CASES = TESTS / "shape_cases"
EX = "https://example.org/scores/"


@pytest.fixture(scope="module")
def report() -> Report:
    return validate([SCORES], engine="pyshacl")


def test_counts_and_conformance(report: Report) -> None:
    assert report.counts == {"violation": 1, "warning": 2, "info": 1}
    assert report.conforms is False


@pytest.mark.parametrize(
    ("case", "fail_on", "conforms"),
    [
        ("R17-violating", "violation", True),
        ("R17-violating", "warning", False),
        ("R15-violating", "warning", True),
        ("R15-violating", "info", False),
        ("R13-conforming", "info", True),
    ],
)
def test_fail_on_sets_the_least_severity_that_breaks_conformance(
    case: str, fail_on: str, conforms: bool
) -> None:
    result = validate([CASES / f"{case}.ttl"], engine="pyshacl", fail_on=fail_on)  # type: ignore[arg-type]
    assert result.conforms is conforms


def test_practice_scores_count_conversations_without_violation(report: Report) -> None:
    scores = {str(s.subject): s for s in report.practices}
    assert (scores[EX + "sales"].conversations, scores[EX + "sales"].aligned) == (3, 2)
    assert scores[EX + "sales"].score == pytest.approx(2 / 3)
    assert scores[EX + "audit"].score is None


def test_organisation_scores_include_practices_of_units(report: Report) -> None:
    scores = {str(s.subject): (s.label, s.conversations, s.aligned) for s in report.organisations}
    assert scores == {EX + "acme": ("Acme", 3, 2), EX + "salesUnit": ("Acme sales", 3, 2)}


def test_results_carry_rule_metadata_and_context(report: Report) -> None:
    (r03,) = [r for r in report.results if r.rule == "R03"]
    assert r03.layers == ("practice", "technology")
    assert r03.label and r03.meaning and r03.remediation
    assert r03.about.practices == (URIRef(EX + "sales"),)
    assert r03.about.conversations == (URIRef(EX + "broken"),)
    assert r03.about.people == (URIRef(EX + "bob"),)


def test_json_view_follows_the_contract(report: Report) -> None:
    data = json.loads(render(report, "json"))
    assert data["conforms"] is False
    assert data["counts"] == {"violation": 1, "warning": 2, "info": 1}
    r03 = next(r for r in data["results"] if r["rule"] == "R03")
    assert r03["focus"] == EX + "broken" and r03["value"] == EX + "bob"
    assert r03["shape"] == "https://w3id.org/social-business/shapes#R03"
    assert set(r03) >= {"path", "message", "layers", "remediation", "practices", "people"}
    assert data["by_rule"]["R03"]["count"] == 1 and data["by_rule"]["R01"]["count"] == 0
    assert data["by_layer_pair"]["practice/technology"] == {"violation": 1, "warning": 1, "info": 0}
    assert data["by_practice"][EX + "sales"]["counts"] == {"violation": 1, "warning": 1, "info": 0}
    assert data["by_organisation"][EX + "acme"]["aligned"] == 2


def test_layer_keys() -> None:
    assert layer_keys(("practice",)) == ["practice"]
    assert layer_keys(("technology", "practice")) == ["practice/technology"]
    assert layer_keys(("practice", "organization", "technology")) == [
        "practice/organization",
        "practice/technology",
        "organization/technology",
    ]


def test_rdf_view_is_a_shacl_validation_report(report: Report) -> None:
    graph = to_graph(report)
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == Literal(False)
    results = list(graph.objects(node, SH.result))
    assert len(results) == len(report.results)
    focus = {graph.value(r, SH.focusNode) for r in results if graph.value(r, SH.value) is not None}
    assert URIRef(EX + "broken") in focus


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("turtle", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")]
)
def test_rdf_serialisations_round_trip(report: Report, fmt: str, rdflib_format: str) -> None:
    parsed = Graph().parse(data=render(report, fmt), format=rdflib_format)
    assert len(parsed) == len(to_graph(report))


def test_text_view_lists_results_and_scores(report: Report) -> None:
    text = render(report, "text")
    assert text.startswith("Validation does not conform: 1 violation(s), 2 warning(s), 1 info")
    assert "R03" in text and "R10" in text
    assert "Acme sales" in text and "67%" in text


def test_every_format_renders(report: Report) -> None:
    assert all(render(report, fmt) for fmt in FORMATS)
    with pytest.raises(UnsupportedFormatError):
        render(report, "csv")


def test_to_dict_lists_every_builtin_rule(report: Report) -> None:
    assert sorted(to_dict(report)["by_rule"]) == [f"R{n:02d}" for n in range(1, 21)]
