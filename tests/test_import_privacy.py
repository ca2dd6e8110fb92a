"""Privacy by design: no imported graph holds a subject, a body, a chat text or an attachment's
file name of its source.

Every case of every kind is imported and its whole graph (provenance included, IRIs read with
their percent-escapes decoded) is scanned for each private fragment of its fixtures: the
subject and every body line of each message (every part, attachments' file names too), the
text and file names of each chat message. The fixtures also mark their private text with
`secret-`, which no graph may hold whatever the kind.
"""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote

import pytest

from service.importers.chat.archive import export_files
from service.importers.contract import Source
from tests.test_import_cases import FOLDERS, case_sources, prepare_case

MARKER = "secret-"
SPLIT_MBOX = b"\nFrom "


def mail_fragments(sources: list[Source]) -> Iterator[str]:
    """The subjects, body lines and attachment names of the messages of mail sources."""
    for source in sources:
        data = source.data
        parts = [data]
        if data.startswith(b"From "):
            parts = [part.partition(b"\n")[2] for part in (b"\n" + data).split(SPLIT_MBOX)[1:]]
        for raw in parts:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if message["Subject"]:
                yield str(message["Subject"])
            for part in message.walk():
                if part.get_filename():
                    yield str(part.get_filename())
                if part.get_content_maintype() == "text":
                    text = part.get_content()
                    yield from (line.strip() for line in text.splitlines() if line.strip())


TEXT_KEYS = frozenset(
    {"text", "message", "purpose", "topic", "value", "content", "subject", "description"}
)
FILE_KEYS = frozenset({"files", "attachments"})


def chat_fragments(sources: list[Source]) -> Iterator[str]:
    """The texts (Slack `text`, Mattermost `message`, Teams `body.content` and `subject`,
    topics, purposes and descriptions) and the attached files' names and titles of a chat
    export's JSON and JSON lines."""
    for data in export_files(sources, 1 << 30).values():
        for document in _json_documents(data):
            yield from _texts(document)


def _json_documents(data: bytes) -> Iterator[object]:
    try:
        yield json.loads(data)
        return
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    for line in data.splitlines():
        try:
            yield json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue


def _texts(value: object, key: str = "") -> Iterator[str]:
    if isinstance(value, str) and key in TEXT_KEYS:
        yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _texts(item, name)
    elif isinstance(value, list):
        for item in value:
            if key in FILE_KEYS and isinstance(item, dict):
                yield from (str(v) for k, v in item.items() if k in {"name", "title", "path"})
            yield from _texts(item, key)


FRAGMENTS: dict[str, Callable[[list[Source]], Iterator[str]]] = {
    "mbox": mail_fragments,
    "chat": chat_fragments,
}
"""Kind -> the private fragments of a case's sources; a kind without free text (event logs)
is scanned for the marker only."""


def graph_text(body: bytes) -> str:
    """A graph's N-Triples as text, with its IRIs' percent-escapes decoded too."""
    text = body.decode("utf-8")
    return text + "\n" + unquote(text)


SCANNED = [folder for folder in FOLDERS if folder.parent.name != "csv"]
"""The cases of kinds that read communication; registers (csv) hold names and units, which
their graph keeps by design, and no message (and each case costs RML engine runs)."""


@pytest.mark.parametrize("folder", SCANNED, ids=lambda f: f"{f.parent.name}/{f.name}")
def test_no_private_fragment_of_a_case_is_in_its_graph(folder: Path) -> None:
    kind = folder.parent.name
    text = graph_text(prepare_case(folder).body)
    assert MARKER not in text
    extract = FRAGMENTS.get(kind)
    if extract is None:
        return
    fragments = set(extract(case_sources(folder)))
    assert any(MARKER in fragment for fragment in fragments), "the fixtures mark their secrets"
    found = sorted(fragment for fragment in fragments if fragment in text)
    assert found == []


def test_the_scan_finds_a_leak() -> None:
    """The scan is not blind: a subject written into a graph is found."""
    (folder,) = (f for f in FOLDERS if f.parent.name == "mbox" and f.name == "threads")
    fragments = set(mail_fragments(case_sources(folder)))
    leaked = graph_text(b'<urn:x> <urn:y> "Quarterly budget draft secret-subject-1" .\n')
    assert "Quarterly budget draft secret-subject-1" in fragments
    assert [f for f in fragments if f in leaked] == ["Quarterly budget draft secret-subject-1"]
