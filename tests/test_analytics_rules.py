"""The rules over network analytics (shapes/analytics.ttl, R21-R24): opt-in, described like
R01-R20, and read the analytics only while they describe the validated network.

The rules' behaviour on data is in the shape cases (tests/shape_cases/R21-*..R24-*)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import SH

from service.cli import main
from service.namespaces import SB, SBSH
from service.store.embedded import EmbeddedStore
from service.validation import PreparedData, load_builtin, validate
from service.validation.analytics import NETWORK_PREDICATES, current, current_only
from service.validation.prepare import hierarchies

CASES = Path(__file__).parent / "shape_cases"
SILO_AND_BROKER = {("R22", "-0.6"), ("R21", "https://example.org/case/o1")}
"""The silo data analysed: Operations is a silo, and o1, its one tie to Sales, a single
broker of the fulfilment practice."""
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


def _rules_found(capsys: pytest.CaptureFixture[str], args: list[str]) -> set[tuple[str, str]]:
    main(args)
    results = json.loads(capsys.readouterr().out)["results"]
    return {(r["rule"], r["value"]) for r in results if r["rule"] in ANALYTICS_RULES}


def test_the_store_is_validated_with_its_analytics_while_they_are_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`triskel validate` of the store reads the analytics graph with the setting on, and
    only while the analysis describes the network."""
    path = str(tmp_path / "store")
    store = EmbeddedStore(tmp_path / "store")
    store.load(
        (CASES / "R24-violating-missing.ttl").read_bytes(),
        media_type="text/turtle",
        graph="urn:test:silo",
    )
    store.close()
    for name, value in {"ANALYTICS_RULES": "1", "PERSON_METRICS": "read"}.items():
        monkeypatch.setenv(f"TRISKEL_{name}", value)
    monkeypatch.setenv("TRISKEL_MIN_GROUP_SIZE", "1")
    validate_store = ["validate", "--store", path, "--format", "json"]
    missing = {("R24", "missing or out of date")}
    assert _rules_found(capsys, validate_store) == missing
    assert main(["analyse", "--store", path]) == 0
    capsys.readouterr()
    assert _rules_found(capsys, validate_store) == SILO_AND_BROKER
    store = EmbeddedStore(tmp_path / "store")
    store.update(
        "INSERT DATA { GRAPH <urn:test:more> { <https://example.org/case/o3s1> "
        "<https://w3id.org/social-business#source> <https://example.org/case/o3> ; "
        "<https://w3id.org/social-business#target> <https://example.org/case/s1> } }"
    )
    store.close()
    assert _rules_found(capsys, validate_store) == missing
    monkeypatch.delenv("TRISKEL_ANALYTICS_RULES")
    assert _rules_found(capsys, validate_store) == set()


def test_no_ontology_axiom_derives_what_the_network_is_read_from() -> None:
    """The live gate reads the network from the user's quads, a validation from the prepared
    data: the same network as long as no ontology axiom derives a person, a membership, a
    unit or an arc (`service.validation.analytics`)."""
    properties, classes = hierarchies()
    read = {str(p) for p in NETWORK_PREDICATES}
    assert not [sub for sub, ups in properties.items() if read & {u.value for u in ups}]
    assert not [sub for sub, ups in classes.items() if str(SB.Person) in {u.value for u in ups}]
