"""Every rule R01-R24 checked against data: one Turtle file per case in tests/shape_cases/.

Each file holds the data and, W3C SHACL test-suite style, an `sht:Validate` node whose
`mf:result` is the expected `sh:ValidationReport`: `sh:conforms` and every `sh:result`
(sh:sourceShape names the rule's shape, plus focus node, value and severity). The data is
checked with the built-in rules by both engines; the found (rule, severity, focus, value)
set must equal the expected one exactly, so a case also proves which rules do NOT fire.

The cases of the rules over analytics (R21-R24, opt-in) are checked with those rules on; each
holds the values of the network analysis its rules read, computed by the analysis over the
case's data (or, for a stale analysis, over an earlier state of it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from service.validation import ENGINES, PreparedData, ShapePack, load_builtin, validate
from service.validation.model import severity_name
from service.validation.rdfio import Source, parse, triples_to_graph

CASES_DIR = Path(__file__).parent / "shape_cases"
CASES = sorted(CASES_DIR.glob("*.ttl"))
RULES = [f"R{n:02d}" for n in range(1, 25)]
ANALYTICS_RULES = {"R21", "R22", "R23", "R24"}

SHT = Namespace("http://www.w3.org/ns/shacl-test#")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")

Key = tuple[str, str, Node, Node | None]


def expected(path: Path) -> tuple[bool, set[Key]]:
    """The expected conformance and results written in a case file."""
    graph = triples_to_graph(parse(Source.from_path(path)))
    pack = pack_for(path)
    (case,) = graph.subjects(RDF.type, SHT.Validate)
    report = graph.value(case, MF.result)
    results: set[Key] = set()
    for result in graph.objects(report, SH.result):
        shape = graph.value(result, SH.sourceShape)
        assert shape is not None, f"{path.name}: a result without sh:sourceShape"
        results.add(
            (
                pack.rule_of(shape),
                severity_name(graph.value(result, SH.resultSeverity)),
                graph.value(result, SH.focusNode),  # type: ignore[arg-type]
                graph.value(result, SH.value),
            )
        )
    return bool(graph.value(report, SH.conforms).toPython()), results  # type: ignore[union-attr]


def pack_for(case: Path) -> ShapePack:
    """The built-in rules, with the rules over analytics for their own cases."""
    return load_builtin(analytics=case.stem[:3] in ANALYTICS_RULES)


def _as_graph(path: Path) -> Graph:
    return triples_to_graph(parse(Source.from_path(path)))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path, engine: str) -> None:
    conforms, results = expected(case)
    report = validate(
        PreparedData.from_paths([case]),
        shapes=pack_for(case),
        engine=engine,  # type: ignore[arg-type]
    )
    assert {f.key for f in report.findings} == results
    assert report.conforms is conforms


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_has_a_conforming_and_a_violating_case(rule: str) -> None:
    own = [c for c in CASES if c.stem.startswith(f"{rule}-")]
    fired = [any(key[0] == rule for key in expected(c)[1]) for c in own]
    assert any(fired), f"{rule}: no case where it fires"
    assert not all(fired), f"{rule}: no case where it holds"


def test_every_case_names_known_rules() -> None:
    for case in CASES:
        assert {key[0] for key in expected(case)[1]} <= set(RULES), case.name
