"""Every importer test case runs: `tests/import_cases/<kind>/<case>/` holds one input
(`input.*`, or a folder `input/` whose files are the sources, named by their path below the
case, as `triskel import` names a folder's files), optional `options.json` (`options`,
`since`, `pseudonymise`) and `mapping.*` (the kind's mapping file), the expected summary
(`summary.json`) and the expected entities (`expected.ttl`, hand-made).

The graph an import builds is compared triple for triple with `expected.ttl`, its provenance
apart (it names the run and the time); the summary's counts, details and skipped items must
equal `summary.json`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.importers.contract import Source
from service.importers.run import PROV, Prepared, parse_since, prepare

CASES = Path(__file__).parent / "import_cases"
FOLDERS = sorted(folder for folder in CASES.glob("*/*") if folder.is_dir())
KEY = "a test key"


def entities(body: bytes, graph: str) -> set[ox.Triple]:
    """The triples of an import that are not its provenance (about the graph, its run, the
    importer or a source)."""
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    provenance = {ox.NamedNode(graph)}
    provenance |= {
        t.object for t in triples if t.predicate.value.startswith(PROV) and t.subject.value == graph
    }
    provenance |= {
        t.object for t in triples if t.predicate == ox.NamedNode(PROV + "wasAssociatedWith")
    }
    return {t for t in triples if t.subject not in provenance}


def case_sources(folder: Path) -> list[Source]:
    """The sources of a case: its `input.*` file, or every file under its `input/` folder."""
    inputs = sorted(folder.glob("input*"))
    assert len(inputs) == 1, f"{folder}: one input.* file or input/ folder"
    (given,) = inputs
    files = sorted(p for p in given.rglob("*") if p.is_file()) if given.is_dir() else [given]
    return [Source(str(path.relative_to(folder)), path.read_bytes()) for path in files]


def prepare_case(folder: Path) -> Prepared:
    """A case's import, built (nothing is written)."""
    kind = folder.parent.name
    settings = (
        json.loads((folder / "options.json").read_text())
        if (folder / "options.json").exists()
        else {}
    )
    mapping = next(folder.glob("mapping.*"), None)
    return prepare(
        kind,
        case_sources(folder),
        options=settings.get("options", {}),
        mapping=mapping.read_bytes() if mapping else None,
        pseudonym_key=KEY,
        pseudonymise=settings.get("pseudonymise", False),
        since=parse_since(settings["since"]) if "since" in settings else None,
        now=datetime(2025, 1, 1, tzinfo=UTC),
    )


def run_case(folder: Path) -> tuple[dict[str, object], set[ox.Triple], set[ox.Triple]]:
    """The summary and entities a case's import makes, and the entities it expects."""
    prepared = prepare_case(folder)
    expected = set(ox.parse(path=folder / "expected.ttl", format=ox.RdfFormat.TURTLE))
    got = entities(prepared.body, prepared.graph)
    return prepared.report(written=False, dry_run=True), got, expected


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f"{f.parent.name}/{f.name}")
def test_case(folder: Path) -> None:
    report, got, expected = run_case(folder)
    wanted = json.loads((folder / "summary.json").read_text())
    assert {key: report[key] for key in wanted} == wanted
    assert sorted(map(str, got - expected)) == []
    assert sorted(map(str, expected - got)) == []


def test_there_are_eventlog_cases() -> None:
    """The cases the importer's semantics rest on are all here."""
    names = {folder.name for folder in FOLDERS if folder.parent.name == "eventlog"}
    assert {
        "lifecycle",
        "no-resource",
        "ties",
        "self-handover",
        "malformed",
        "custom-columns",
        "groups",
    } <= names


def test_there_are_mbox_cases() -> None:
    """The awkward mail cases: no Message-ID and References outside the file (threads), an
    address in two cases (threads), an obfuscated address, a mailing list, a Maildir folder,
    malformed messages, a message to oneself and Bcc (bcc-self), a unit mapping."""
    names = {folder.name for folder in FOLDERS if folder.parent.name == "mbox"}
    assert {
        "threads",
        "obfuscated",
        "mailing-list",
        "maildir",
        "malformed",
        "bcc-self",
        "mapping",
    } <= names


def test_there_are_chat_cases() -> None:
    """A Slack export folder (a bot, a deleted user, a reply whose root is missing, a thread
    across two days, a DM and a group DM), a Mattermost bulk export and a Teams export (with a
    meeting)."""
    names = {folder.name for folder in FOLDERS if folder.parent.name == "chat"}
    assert {"slack", "mattermost", "teams"} <= names
