"""Reading one state of the live findings without holding writes back
(`LiveFindings.read_still`, what a validation of the store reads its report from)."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.findings import LiveFindings
from service.store.embedded import EmbeddedStore
from service.validation.entailed import Delta
from service.validation.live import LiveValidation

GRAPH = ox.NamedNode("urn:test:g")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PERSON = ox.NamedNode("https://w3id.org/social-business#Person")


def person(name: str) -> Delta:
    """A person of no organisation: one finding (R17)."""
    return Delta.of(added=[ox.Quad(ox.NamedNode(f"urn:test:{name}"), TYPE, PERSON, GRAPH)])


@pytest.fixture
def live(tmp_path: Path) -> LiveFindings:
    store = EmbeddedStore(tmp_path / "store")
    store.load(b"<urn:test:a> a <https://w3id.org/social-business#Person> .",
               media_type="text/turtle", graph=GRAPH.value)  # fmt: skip
    return LiveFindings.detached(store)


def test_a_read_a_write_came_in_during_is_read_again(live: LiveFindings) -> None:
    seen: list[int] = []

    def read(engine: LiveValidation) -> int:
        seen.append(len(engine.findings()))
        if len(seen) == 1:
            live.commit(person("b"))  # lands while the first read runs
        return len(engine.findings())

    assert live.read_still(read) == 2
    assert seen == [1, 2]


def test_past_its_tries_a_read_holds_writes_back(live: LiveFindings) -> None:
    """Writes land during each of the first two reads; the third runs with writes held
    back: one started during it waits for it to end."""
    writers: list[threading.Thread] = []

    def read(engine: LiveValidation) -> tuple[int, bool]:
        writer = threading.Thread(target=live.commit, args=(person(f"p{len(writers)}"),))
        writers.append(writer)
        writer.start()
        writer.join(timeout=0.5)
        return len(engine.findings()), writer.is_alive()

    found, waiting = live.read_still(read, tries=2)
    assert (len(writers), found, waiting) == (3, 3, True)
    writers[-1].join()
    assert len(live.findings()) == 4
