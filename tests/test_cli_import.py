"""`triskel import`: one graph per import, idempotent, all or nothing, and the validated result.

The store is a fresh embedded one per test; the log is PM4Py's running example (shared
fixtures)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from service.cli import main
from service.reports.canonical import canonical_hash
from service.store import files
from tests.shared import fixture

XES = "eventlogs/pm4py/running-example.xes"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh embedded store folder; the environment names no remote store and no key."""
    for name in ("TRISKEL_SPARQL_URL", "TRISKEL_STORE_PATH", "TRISKEL_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    return str(tmp_path / "store")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dataset(capsys: pytest.CaptureFixture[str], store: str) -> str:
    """The canonical hash of everything in the store."""
    code, _, _ = run(capsys, "export", "--output", f"{store}.nq", "--store", store)
    assert code == 0
    return canonical_hash(Path(f"{store}.nq").read_bytes())


def test_import_is_idempotent_and_dry_run_writes_nothing(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    log = str(fixture(XES))
    code, out, _ = run(capsys, "import", "eventlog", log, "--dry-run", "--store", store)
    summary = json.loads(out)
    assert (code, summary["dry_run"], summary["written"], summary["arcs"]) == (0, True, False, 18)
    empty = dataset(capsys, store)
    code, out, _ = run(capsys, "import", "eventlog", log, "--store", store)
    first = json.loads(out)
    assert (code, first["written"], first["graph"]) == (0, True, summary["graph"])
    assert first["graph"].startswith("urn:triskel:import:eventlog:")
    once = dataset(capsys, store)
    assert once != empty
    code, out, _ = run(capsys, "import", "eventlog", log, "--store", store)
    assert (code, json.loads(out)["written"]) == (0, False)
    assert dataset(capsys, store) == once
    code, out, _ = run(capsys, "import", "eventlog", log, "--store", store, "-o", "log=other")
    assert (code, json.loads(out)["written"]) == (0, True)
    code, out, _ = run(capsys, "query", "SELECT ?g { GRAPH ?g { ?g a ?t } }", "--store", store)
    assert out.count("urn:triskel:import:eventlog:") == 1, "the same source replaced its graph"


def test_a_failed_import_changes_nothing(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "eventlog", str(fixture(XES)), "--store", store)
    before = dataset(capsys, store)
    bad = tmp_path / "bad.xes"
    bad.write_text("<log><trace><event></trace></log>")
    for argv in (
        ["import", "eventlog", str(fixture(XES)), str(bad)],
        ["import", "eventlog", str(fixture(XES)), "--pseudonymise"],
        ["import", "eventlog", str(fixture(XES)), "--graph", "urn:triskel:report:x"],
        ["import", "eventlog", str(fixture(XES)), "--since", "last week"],
        ["import", "eventlog", str(fixture(XES)), "-o", "case"],
    ):
        code, out, err = run(capsys, *argv, "--store", store)
        assert (code, out, err.count("\n")) == (2, "", 1), argv
        assert err.startswith("triskel: error: ")
    assert dataset(capsys, store) == before


def test_the_imported_graph_validates(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The running example as imported breaks the rules a bare event log must: no practice
    goal (R14), conversations carried by no tool (R13), people in no organisation (R17), arcs
    over no shared tool (R08); nothing else."""
    run(capsys, "import", "eventlog", str(fixture(XES)), "--store", store)
    code, out, _ = run(capsys, "validate", "--format", "json", "--store", store)
    report = json.loads(out)
    assert code == 1
    found = {rule: about["count"] for rule, about in report["by_rule"].items() if about["count"]}
    assert found == {
        "R08": 18, "R13": 6, "R14": 1, "R17": 6
    }  # fmt: skip


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_shows_progress(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(files, "BIG_FILE", 0)
    assert main(["import", "eventlog", str(fixture(XES)), "--dry-run", "--store", store]) == 0
    shown = terminal.getvalue()
    assert "reading running-example.xes [" in shown and "100%" in shown
    assert "built 408 triples for urn:triskel:import:eventlog:" in shown
