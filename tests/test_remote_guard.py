"""A guarded write on each remote engine reads no more of the store than the graph it names:
it neither counts the validated quads (the count reads every quad on the engine: 2.7 s at
1M triples on Oxigraph server) nor lists every graph (0.3 s at 1M on Virtuoso); the store
answers `has_graph` for the one graph, as the listing would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.errors import GuardRefusedError
from service.findings import LiveFindings, state
from service.guard import Guard, Load
from service.store.remote import RemoteStore
from tests.engines import Engine

SB = "https://w3id.org/social-business#"
CLEAN = f"""@prefix sb: <{SB}> . @prefix org: <http://www.w3.org/ns/org#> .
<urn:t:org> a org:Organization .
<urn:t:tool> a sb:Tool ; sb:toolCategory sb:email ; sb:supportsMedium sb:text .
<urn:t:a> a sb:Person ; org:memberOf <urn:t:org> ; sb:usesTool <urn:t:tool> .
<urn:t:b> a sb:Person ; org:memberOf <urn:t:org> ; sb:usesTool <urn:t:tool> .
<urn:t:arc> a sb:Arc ; sb:source <urn:t:a> ; sb:target <urn:t:b> .
""".encode()
LONELY = f"<urn:t:conv> a <{SB}Conversation> .".encode()  # R13: no participant, tool, practice


@pytest.fixture
def store(remote_engine: Engine) -> Iterator[RemoteStore]:
    store = remote_engine.store()
    try:
        yield store
    finally:
        store.close()


def test_has_graph_answers_as_the_listing(remote_engine: Engine, store: RemoteStore) -> None:
    store.load(b"<urn:a> <urn:p> <urn:b> .\n", media_type="application/n-triples", graph="urn:t:g")
    assert store.has_graph("urn:t:g") and "urn:t:g" in store.graphs()
    assert not store.has_graph("urn:t:absent") and "urn:t:absent" not in store.graphs()
    if remote_engine.name == "oxigraph":  # keeps empty named graphs (Virtuoso keeps none)
        store.update("CREATE GRAPH <urn:t:empty>")
        assert store.has_graph("urn:t:empty") and "urn:t:empty" in store.graphs()


def test_a_guarded_write_neither_counts_nor_lists_the_store(
    store: RemoteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = Guard(LiveFindings.start(store, watch=True))
    calls: list[str] = []
    listing, counting = RemoteStore.graphs, state.count_validated

    def graphs(self: RemoteStore) -> list[str]:
        calls.append("graphs")
        return listing(self)

    def count_validated(store: RemoteStore, *, analytics: bool = False) -> int:
        calls.append("count")
        return counting(store, analytics=analytics)

    monkeypatch.setattr(RemoteStore, "graphs", graphs)
    monkeypatch.setattr(state, "count_validated", count_validated)
    applied = guard.apply(store, Load(CLEAN, "text/turtle", "urn:t:clean"), level="violation")
    assert applied.created and store.count("urn:t:clean") == 13
    with pytest.raises(GuardRefusedError):
        guard.apply(store, Load(LONELY, "text/turtle", "urn:t:refused"), level="violation")
    assert not store.has_graph("urn:t:refused")
    assert calls == []
