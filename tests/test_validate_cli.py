"""`triskel validate`: exit codes, bad input, custom shapes, and the example's planted findings."""

from __future__ import annotations

import io
import json
import re
import time
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from service.cli import main
from service.namespaces import SB
from service.resources import DATA_DIR
from service.validation.progress import PhaseProgress

CASES = Path(__file__).parent / "cli_cases"
SHAPE_CASES = Path(__file__).parent / "shape_cases"
EXAMPLE = DATA_DIR / "example"
EXAMPLE_README = EXAMPLE / "README.md"
EX = "https://example.org/larkspur/"
RULES = [f"R{n:02d}" for n in range(1, 21)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


GOOD = str(SHAPE_CASES / "R13-conforming.ttl")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        ([str(CASES / "broken.ttl")], r"broken\.ttl, line 4"),
        ([str(CASES / "data.unknown")], r"data\.unknown: unknown RDF file extension"),
        ([str(CASES / "missing.ttl")], r"missing\.ttl"),
        ([GOOD, "--shapes", str(CASES / "not-shapes.ttl")], r"not-shapes\.ttl: not a SHACL"),
        ([GOOD, "--shapes", str(CASES / "broken.ttl")], r"broken\.ttl, line 4"),
        (
            [GOOD, "--shapes", str(CASES / "broken-sparql-shapes.ttl")],
            r"broken-sparql-shapes\.ttl: SPARQL of .*prefix",
        ),
    ],
    ids=[
        "unreadable-rdf",
        "unknown-format",
        "missing-file",
        "not-shacl",
        "broken-shapes",
        "broken-sparql",
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], reason: str
) -> None:
    output = tmp_path / "report.json"
    code, out, err = run(capsys, *argv, "--engine", "pyshacl", "--output", str(output))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.search(reason, err), err
    assert not output.exists()


def test_exit_0_when_conforming_and_1_when_not(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(SHAPE_CASES / "R13-conforming.ttl"), "--engine", "pyshacl")[0] == 0
    assert (
        run(capsys, str(SHAPE_CASES / "R04-violating-through-units.ttl"), "--engine", "pyshacl")[0]
        == 1
    )


def test_fail_on_warning(capsys: pytest.CaptureFixture[str]) -> None:
    case = str(SHAPE_CASES / "R17-violating.ttl")
    assert run(capsys, case, "--engine", "pyshacl")[0] == 0
    assert run(capsys, case, "--engine", "pyshacl", "--fail-on", "warning")[0] == 1


def test_custom_shapes_replace_the_builtin_rules(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(CASES / "unlabelled-practice.ttl")
    argv = [data, "--no-builtin", "--shapes", str(CASES / "custom-shapes.ttl")]
    code, out, _ = run(capsys, *argv, "--engine", "pyshacl", "--format", "json")
    report = json.loads(out)
    assert code == 0
    keys = {(r["rule"], r["focus"], r["severity"]) for r in report["results"]}
    assert keys == {
        ("https://example.org/cli/PracticeLabel", "https://example.org/cli/unlabelled", "warning")
    }


def test_custom_shapes_run_next_to_the_builtin_rules(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(CASES / "unlabelled-practice.ttl")
    argv = [data, "--shapes", str(CASES / "custom-shapes.ttl"), "--format", "json"]
    _, out, _ = run(capsys, *argv, "--engine", "pyshacl")
    rules = sorted({r["rule"] for r in json.loads(out)["results"]})
    assert rules == ["R15", "https://example.org/cli/PracticeLabel"]


def test_output_file_in_turtle(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "report.ttl"
    argv = [str(SHAPE_CASES / "R05-violating.ttl"), "--format", "turtle", "--output", str(output)]
    code, out, _ = run(capsys, *argv, "--engine", "pyshacl")
    assert (code, out) == (1, "")
    graph = Graph().parse(output, format="turtle")
    (result,) = graph.subjects(RDF.type, SH.ValidationResult)
    assert graph.value(result, SH.value) == SB.video


def _readme_rows() -> set[tuple[str, URIRef, URIRef | None]]:
    """The table `| rule | focus | value | story |` of data/example/README.md."""
    text = EXAMPLE_README.read_text(encoding="utf-8")
    table = text.split("| rule | focus | value | story |", 1)[1]
    rows: list[tuple[str, URIRef, URIRef | None]] = []
    for line in table.strip().splitlines()[1:]:
        if not line.startswith("|"):
            break
        rule, focus, value = (cell.strip() for cell in line.strip("|").split("|")[:3])
        rows.append((rule, _iri(focus), None if value == "-" else _iri(value)))
    assert len(rows) == len(set(rows)), "the README lists a finding twice"
    return set(rows)


def _iri(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef({"ex": EX, "sb": str(SB._NS)}[prefix] + local)


@pytest.fixture(
    scope="module",
    params=[
        "pyshacl",
        "fast",
    ],
)
def example_report(request: pytest.FixtureRequest) -> dict[str, object]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["validate", str(EXAMPLE), "--engine", request.param, "--format", "json"])
    assert code == 1
    return json.loads(out.getvalue())


def test_example_reports_every_rule(example_report: dict[str, object]) -> None:
    results = example_report["results"]
    assert isinstance(results, list)
    assert sorted({r["rule"] for r in results}) == RULES


def test_example_findings_are_exactly_the_readme_table(example_report: dict[str, object]) -> None:
    results = example_report["results"]
    assert isinstance(results, list)
    found = {
        (r["rule"], URIRef(r["focus"]), URIRef(r["value"]) if r["value"] else None) for r in results
    }
    assert len(found) == len(results)
    assert found == _readme_rows()


def test_progress_bar_draws_only_when_enabled() -> None:
    drawn, silent = io.StringIO(), io.StringIO()
    with PhaseProgress(drawn, delay=0.0) as bar:
        bar.phase("checking rules")
        time.sleep(0.3)
    with PhaseProgress(silent, enabled=False, delay=0.0):
        time.sleep(0.2)
    assert "validating [" in drawn.getvalue() and "2/3 checking rules" in drawn.getvalue()
    assert silent.getvalue() == ""


def test_without_data_the_store_is_validated(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = str(tmp_path / "store")
    assert main(["load", str(SHAPE_CASES / "R05-violating.ttl"), "--store", store]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "--store", store, "--engine", "pyshacl", "--format", "json")
    assert code == 1
    assert [(r["rule"], r["value"]) for r in json.loads(out)["results"]] == [("R05", str(SB.video))]


def test_files_are_read_with_the_nesting_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`TRISKEL_MAX_RDF_NESTING` bounds what `validate` reads, as it does for `load`."""
    monkeypatch.setenv("TRISKEL_MAX_RDF_NESTING", "50")
    deep = tmp_path / "deep.ttl"
    deep.write_text(f"@prefix : <{EX}> . :s :p {'[ :p ' * 51}1{' ]' * 51} .", encoding="utf-8")
    code, out, err = run(capsys, str(deep), "--store", str(tmp_path / "store"))
    assert code == 2 and out == ""
    assert "nested deeper than 50 levels" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, GOOD, "--shapes", str(deep), "--store", str(tmp_path / "store"))
    assert code == 2 and "nested deeper than 50 levels" in err
