"""Report diffs by stable finding id, and `triskel validate --against REPORT.json`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from service.cli import main
from service.reports import to_dict
from service.reports.diff import Diff, result_id
from service.reports.terms import finding_id
from service.resources import DATA_DIR
from service.validation import validate

EXAMPLE = DATA_DIR / "example"
EX = "https://example.org/larkspur/"
FIX_ONE_ADD_ONE = f"""
<{EX}alba> <http://www.w3.org/ns/org#memberOf> <{EX}larkspur> .
<{EX}newcomer> a <https://w3id.org/social-business#Person> .
"""
"""Resolves R17 on alba (a warning), adds R17 on a newcomer."""


def result(
    rule: str, focus: str, value: str | None = None, severity: str = "violation"
) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "focus": focus, "value": value}


def test_new_resolved_and_still_open() -> None:
    kept, fixed, added = result("R01", "c1", "p1"), result("R02", "c2", "a"), result("R17", "p9")
    diff = Diff.between([kept, added], [kept, fixed])
    assert (diff.new, diff.resolved, diff.still_open) == ((added,), (fixed,), (kept,))
    assert diff.to_dict()["counts"] == {"new": 1, "resolved": 1, "still_open": 1}
    assert diff.to_text().splitlines()[0] == "1 new, 1 resolved, 1 still open"


def test_each_reason_is_a_finding_of_its_own() -> None:
    """R13 can fail one conversation for two reasons: two findings, two ids."""
    participants = result("R13", "c1") | {"path": "sb:participant"}
    tools = result("R13", "c1") | {"path": "sb:carriedBy"}
    assert Diff.between([participants, tools], []).new == (participants, tools)
    assert Diff.between([], [participants, tools]).resolved == (participants, tools)
    diff = Diff.between([participants], [tools])
    assert (diff.new, diff.resolved, diff.still_open) == ((participants,), (tools,), ())


def test_the_id_is_the_findings_content() -> None:
    base = result("R04", "https://example.org/c1", "https://example.org/t1")
    assert result_id(base) == finding_id(
        "R04", "violation", base["focus"], base["value"], None, None, None, ""
    )
    for changed in ({"message": "other words"}, {"severity": "warning"}, {"rule": "R09"}):
        assert result_id(base | changed) != result_id(base)
    assert result_id(base | {"value": "https://example.org/t2"}) != result_id(base)
    assert result_id(base | {"id": "f-given"}) == "f-given"


def test_a_result_without_id_gets_the_id_the_report_gave_it() -> None:
    """Except where a blank node is named (a property shape without IRI): a file has its label
    only, the id its content name."""
    results = to_dict(validate(EXAMPLE))["results"]
    fields = ("focus", "value", "path", "shape")
    named = [r for r in results if not any(str(r[f]).startswith("_:") for f in fields)]
    assert 0 < len(named) < len(results)
    for found in results:
        recomputed = result_id({k: v for k, v in found.items() if k != "id"})
        assert (recomputed == found["id"]) == (found in named)


def test_new_at_least_a_severity() -> None:
    warning = result("R17", "p1", severity="warning")
    diff = Diff.between([warning], [])
    assert diff.new_at_least("violation") == ()
    assert diff.new_at_least("warning") == (warning,)


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    """The example with alba's R17 fixed and a newcomer's R17 added."""
    folder = tmp_path / "changed"
    shutil.copytree(EXAMPLE, folder)
    with (folder / "organization.ttl").open("a", encoding="utf-8") as file:
        file.write(FIX_ONE_ADD_ONE)
    return folder


def test_cli_against_a_report(
    tmp_path: Path, changed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "before.json"
    assert main(["validate", str(EXAMPLE), "--format", "json", "--output", str(report)]) == 1
    capsys.readouterr()
    code = main(["validate", str(changed), "--against", str(report)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, "the one new finding is a warning, under --fail-on violation"
    assert out[0] == "1 new, 1 resolved, 24 still open"
    assert out[1].startswith("+ R17  warning  newcomer")
    assert out[2].startswith("- R17  warning  alba")
    code = main(["validate", str(changed), "--against", str(report), "--fail-on", "warning"])
    assert code == 1
    capsys.readouterr()
    main(["validate", str(changed), "--against", str(report), "--format", "json"])
    diff = json.loads(capsys.readouterr().out)
    assert [r["focus"] for r in diff["new"]] == [f"{EX}newcomer"]
    assert [r["focus"] for r in diff["resolved"]] == [f"{EX}alba"]


def test_cli_against_a_file_that_is_no_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('["not", "a", "report"]')
    assert main(["validate", str(EXAMPLE), "--against", str(bogus)]) == 2
    assert "not a JSON validation report" in capsys.readouterr().err
