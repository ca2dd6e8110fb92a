"""The rules over network analytics (shapes/analytics.ttl, R21-R24): opt-in, described like
R01-R20, and read the analytics only while they describe the validated network.

The rules' behaviour on data is in the shape cases (tests/shape_cases/R21-*..R24-*)."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import SH

from service.namespaces import SBSH
from service.validation import PreparedData, load_builtin, validate
from service.validation.analytics import current, current_only

CASES = Path(__file__).parent / "shape_cases"
ANALYTICS_RULES = ("R21", "R22", "R23", "R24")


def test_the_rules_are_opt_in() -> None:
    assert not set(ANALYTICS_RULES) & set(load_builtin().rules)
    assert set(ANALYTICS_RULES) <= set(load_builtin(analytics=True).rules)
    assert load_builtin(analytics=True).analytics and not load_builtin().analytics


def test_each_rule_carries_what_a_report_needs() -> None:
    pack = load_builtin(analytics=True)
    for rule in ANALYTICS_RULES:
        info = pack.info(rule)
        assert info is not None
        assert info.label and info.comment and info.remediation and info.layers, rule


def test_the_silo_threshold_is_the_one_the_query_uses() -> None:
    graph = load_builtin(analytics=True).graph
    threshold = graph.value(SBSH.R22, SBSH.threshold)
    assert isinstance(threshold, Literal)
    (constraint,) = graph.objects(SBSH.R22, SH.sparql)
    query = str(graph.value(constraint, SH.select))
    (used,) = re.findall(r"FILTER \(\?value < (-?[0-9.]+)\)", query)
    assert float(used) == threshold.toPython() == -0.5


def test_a_stale_analysis_is_left_out_without_changing_the_data() -> None:
    data = PreparedData.from_paths([CASES / "R24-violating-stale.ttl"])
    size = len(data)
    assert not current(data)
    kept = current_only(data)
    assert kept is not data and len(data) == size
    assert len(kept) < size
    fresh = PreparedData.from_paths([CASES / "R22-violating-silo.ttl"])
    assert current(fresh) and current_only(fresh) is fresh


def test_without_the_opt_in_the_analytics_change_nothing() -> None:
    report = validate(PreparedData.from_paths([CASES / "R24-violating-stale.ttl"]))
    assert report.conforms and not report.findings
