"""OOPS! pitfalls checkable offline: absent from the ontology, and each check able to fire.

One parametrised test per direction, with the pitfall code as the test id: `[P04]` fails when
the ontology shows P04; `test_pitfall_fires_on_its_bad_case[P04]` fails when the P04 query
no longer finds the deliberately bad snippet `tests/pitfall_cases/P04.ttl`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph

from service.ontology import read_graph
from service.quality import Pitfall, check_quality, load_pitfalls, run_pitfall
from service.resources import DATA_DIR, ONTOLOGY_FILES, REPORT_VOCABULARY_FILE

REQUIRED = ("P04", "P06", "P08", "P11", "P19", "P22", "P25", "P26", "P32", "P34", "P35",
            "P36", "P38", "P39", "P41")  # fmt: skip
"""The pitfalls of the OOPS! catalogue that issue 2 asks to check offline."""

CASES_DIR = Path(__file__).parent / "pitfall_cases"
PITFALLS = load_pitfalls()
CODES = [pitfall.code for pitfall in PITFALLS]


@cache
def _ontology() -> Graph:
    return read_graph()


def test_every_required_pitfall_has_a_query() -> None:
    assert set(REQUIRED) <= set(CODES), f"missing: {sorted(set(REQUIRED) - set(CODES))}"


@pytest.mark.parametrize("pitfall", PITFALLS, ids=CODES)
def test_pitfall_header(pitfall: Pitfall) -> None:
    assert pitfall.title.startswith(f"{pitfall.code} ")
    assert pitfall.importance in {"critical", "important", "minor"}
    assert pitfall.description[:1].isupper()


@pytest.mark.parametrize("pitfall", PITFALLS, ids=CODES)
def test_pitfall_absent_from_ontology(pitfall: Pitfall) -> None:
    findings = run_pitfall(_ontology(), pitfall)
    assert not findings, "\n".join(str(finding) for finding in findings)


@pytest.mark.parametrize("pitfall", PITFALLS, ids=CODES)
def test_pitfall_absent_from_report_vocabulary(pitfall: Pitfall) -> None:
    findings = run_pitfall(read_graph([REPORT_VOCABULARY_FILE]), pitfall)
    assert not findings, "\n".join(str(finding) for finding in findings)


@pytest.mark.parametrize("pitfall", PITFALLS, ids=CODES)
def test_pitfall_fires_on_its_bad_case(pitfall: Pitfall) -> None:
    case = CASES_DIR / f"{pitfall.code}.ttl"
    assert case.exists(), f"{pitfall.code} has no deliberately bad case {case.name}"
    findings = run_pitfall(read_graph([case]), pitfall)
    assert findings, f"{pitfall.code} found nothing in {case.name}"
    assert all(f.code == pitfall.code and f.message and f.term for f in findings)


def test_check_quality_runs_every_pitfall() -> None:
    bad = read_graph([CASES_DIR / "P34.ttl"])
    codes = {finding.code for finding in check_quality(bad)}
    assert "P34" in codes
    assert not check_quality(_ontology())


DECLARATION_PITFALLS = [p for p in PITFALLS if p.code in {"P34", "P35"}]
EXAMPLE_FILES = sorted((DATA_DIR / "example").glob("*.ttl"))


@pytest.mark.parametrize(
    "pitfall", DECLARATION_PITFALLS, ids=[p.code for p in DECLARATION_PITFALLS]
)
def test_example_data_uses_only_declared_terms(pitfall: Pitfall) -> None:
    """Ontology plus example data stays OWL 2 DL: every class and property it uses is typed."""
    findings = run_pitfall(read_graph([*ONTOLOGY_FILES, *EXAMPLE_FILES]), pitfall)
    assert not findings, "\n".join(str(finding) for finding in findings)
