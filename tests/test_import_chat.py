"""The chat importer beyond its cases: a zip export is its folder, zip slips and zip bombs are
refused, a mapping joins chat people with mail people, pseudonyms hide user ids."""

from __future__ import annotations

import doctest
import io
import json
import zipfile
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from service.cli import main
from service.errors import InputError, TooLargeError
from service.importers import chat
from service.importers.chat import archive, mattermost, slack, teams
from service.importers.contract import Source
from service.importers.run import prepare
from tests.test_import_cases import case_sources, entities

CASES = Path(__file__).parent / "import_cases"
SLACK = CASES / "chat" / "slack"


def zipped(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as out:
        for name, data in files.items():
            out.writestr(name, data)
    return buffer.getvalue()


def slack_zip() -> bytes:
    """The Slack case's folder as Slack hands it out: a zip of the export."""
    return zipped({s.name.removeprefix("input/"): s.data for s in case_sources(SLACK)})


def test_a_zipped_export_is_its_folder() -> None:
    folder = prepare("chat", case_sources(SLACK), options={})
    archived = prepare("chat", [Source("export.zip", slack_zip())], options={})
    assert entities(archived.body, archived.graph) == entities(folder.body, folder.graph)
    assert archived.summary.arcs == 4


@pytest.mark.parametrize("path", ["../evil.json", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\b"])
def test_a_zip_slip_path_is_refused(path: str) -> None:
    data = zipped({"users.json": b"[]", path: b"[]"})
    with pytest.raises(InputError, match="zip slip"):
        prepare("chat", [Source("export.zip", data)], options={})


def test_a_zip_bomb_is_refused_before_and_while_unpacking() -> None:
    bomb = zipped({"users.json": b"[]", "general/2024-01-01.json": b" " * 4_000_000})
    assert len(bomb) < 10_000
    with pytest.raises(TooLargeError, match="zip bomb"):
        prepare("chat", [Source("bomb.zip", bomb)], options={}, max_bytes=1_000_000)
    lying = _with_declared_size(bomb, "general/2024-01-01.json", 10)
    with pytest.raises(InputError, match="unreadable"):
        prepare("chat", [Source("bomb.zip", lying)], options={}, max_bytes=1_000_000)


def _with_declared_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with an entry's uncompressed size, as its central directory declares it,
    rewritten (a lie a bomb may tell)."""
    position = data.find(b"PK\x01\x02")
    while position != -1:
        length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + length] == name.encode():
            return data[: position + 24] + size.to_bytes(4, "little") + data[position + 28 :]
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"no entry {name}")


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_ARCHIVE_ENTRIES", 3)
    data = zipped({f"general/2024-01-0{n}.json": b"[]" for n in range(1, 5)})
    with pytest.raises(TooLargeError, match="4 zip entries, more than 3"):
        prepare("chat", [Source("export.zip", data)], options={})


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"messages": []}', "not a chat export"),
        (b"PK\x03\x04garbage", "not a readable zip archive"),
    ],
)
def test_a_file_that_is_not_a_chat_export_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(InputError, match=why):
        prepare("chat", [Source("x.bin", data)], options={})


def test_an_unknown_platform_is_refused() -> None:
    with pytest.raises(InputError, match="platform 'irc'"):
        prepare("chat", case_sources(SLACK), options={"platform": "irc"})


def test_pseudonymised_user_ids_are_keyed_hashes() -> None:
    prepared = prepare(
        "chat", case_sources(SLACK), options={}, pseudonymise=True, pseudonym_key="k"
    )
    for secret in (b":U1>", b'"U1"', b"Ann Smith", b"Carol"):
        assert secret not in prepared.body
    assert prepared.summary.people == 3 and prepared.summary.arcs == 4


def test_a_mapping_joins_chat_and_mail_people_and_places_them_in_units() -> None:
    mapping = b'[people]\nU1 = "Ann@Example.org"\n[members]\nU1 = "Sales"\nU2 = "Sales"\n'
    chat_import = prepare("chat", case_sources(SLACK), options={}, mapping=mapping)
    mail = CASES / "mbox" / "threads" / "input.mbox"
    mail_import = prepare("mbox", [Source("input.mbox", mail.read_bytes())], options={})
    store = ox.Store()
    store.load(chat_import.body, format=ox.RdfFormat.N_TRIPLES)
    store.load(mail_import.body, format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(
        "SELECT ?id WHERE { <urn:triskel:person:mbox:ann%40example.org> "
        "<http://purl.org/dc/terms/identifier> ?id }"
    )
    assert isinstance(rows, ox.QuerySolutions)
    assert sorted(row["id"].value for row in rows) == ["U1", "ann@example.org"]
    assert chat_import.summary.organisations == 1
    assert b"<urn:triskel:organisation:unit:Sales>" in chat_import.body


def test_the_command_imports_a_zipped_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TRISKEL_SPARQL_URL", "TRISKEL_STORE_PATH"):
        monkeypatch.delenv(name, raising=False)
    export = tmp_path / "export.zip"
    export.write_bytes(slack_zip())
    assert main(["import", "chat", str(export), "--dry-run", "--store", str(tmp_path / "s")]) == 0
    assert json.loads(capsys.readouterr().out)["arcs"] == 4
    slip = tmp_path / "slip.zip"
    slip.write_bytes(zipped({"../users.json": b"[]"}))
    assert main(["import", "chat", str(slip), "--store", str(tmp_path / "s")]) == 2
    assert "zip slip" in capsys.readouterr().err


@pytest.mark.parametrize("module", [chat, archive, slack, mattermost, teams], ids=str)
def test_doctests(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
