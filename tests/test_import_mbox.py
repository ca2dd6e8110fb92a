"""The mbox importer beyond its cases: pseudonyms, `--since`, refusals, and a Maildir folder
through `triskel import`."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from types import ModuleType

import pytest

from service.cli import main
from service.errors import InputError
from service.importers import mbox
from service.importers.contract import Source
from service.importers.mbox import read
from service.importers.run import parse_since, prepare

CASES = Path(__file__).parent / "import_cases" / "mbox"
THREADS = CASES / "threads" / "input.mbox"


def threads() -> list[Source]:
    return [Source("input.mbox", THREADS.read_bytes())]


def test_pseudonymised_addresses_are_keyed_hashes_at_their_domain() -> None:
    one = prepare("mbox", threads(), options={}, pseudonymise=True, pseudonym_key="k1")
    again = prepare("mbox", threads(), options={}, pseudonymise=True, pseudonym_key="k1")
    other = prepare("mbox", threads(), options={}, pseudonymise=True, pseudonym_key="k2")
    for secret in (b"ann@", b"bob@", b"carol@", b"Ann Smith", b"m1@example.org", b"Carol"):
        assert secret not in one.body
    assert b"@example.org" in one.body and b"<urn:triskel:organisation:domain:partner.com>" in (
        one.body
    )
    assert one.run == again.run != other.run
    assert one.summary.people == 4 and one.summary.arcs == 7


def test_since_leaves_out_older_messages() -> None:
    prepared = prepare("mbox", threads(), options={}, since=parse_since("2024-01-02T08:30:00Z"))
    assert prepared.summary.details["before_since"] == 3
    assert (prepared.summary.acts, prepared.summary.conversations, prepared.summary.arcs) == (
        2, 2, 3
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "not an mbox"),
        (b"PK\x03\x04\x14\x00", "not an mbox"),
        (b'{"messages": []}', "not an mbox"),
        (b"\n\nFrom: a@b.org\n", "not an mbox"),
    ],
)
def test_a_file_that_is_not_mail_is_refused_naming_why(data: bytes, why: str) -> None:
    with pytest.raises(InputError, match=f"archive.bin: {why}"):
        prepare("mbox", [Source("archive.bin", data)], options={})


@pytest.mark.parametrize(
    ("mapping", "why"),
    [
        (b"[members\n", "not a TOML file"),
        (b'[units]\na = "b"\n', "no table 'units'"),
        (b'[members]\n"a@b.org" = 3\n', "a name"),
    ],
)
def test_bad_mappings_are_refused(mapping: bytes, why: str) -> None:
    with pytest.raises(InputError, match=why):
        prepare("mbox", threads(), options={}, mapping=mapping)


def test_the_tool_option_names_the_mail_tool() -> None:
    prepared = prepare("mbox", threads(), options={"tool": "Outlook"})
    assert b"<urn:triskel:tool:mbox:Outlook>" in prepared.body
    assert b"<urn:triskel:arc:mbox:Outlook/ann%40example.org/bob%40example.org>" in prepared.body


def test_a_maildir_folder_imports_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TRISKEL_SPARQL_URL", "TRISKEL_STORE_PATH"):
        monkeypatch.delenv(name, raising=False)
    store = str(tmp_path / "store")
    folder = str(CASES / "maildir" / "input")
    assert main(["import", "mbox", folder, "--store", store]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["written"], report["acts"], report["arcs"]) == (True, 2, 2)
    assert report["details"]["ignored_files"] == 2 and report["details"]["duplicates"] == 1
    assert len(report["sources"]) == 5
    assert main(["import", "mbox", folder, "--store", store]) == 0
    assert json.loads(capsys.readouterr().out)["written"] is False


@pytest.mark.parametrize("module", [mbox, read], ids=str)
def test_doctests(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
