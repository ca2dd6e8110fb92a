"""The remote store against Virtuoso Open Source 7.2 (`tests.virtuoso`): Graph Store writes
and reads, SPARQL updates and `/sparql`-style answers, each checked through the engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.errors import InputError, LimitExceededError, NotFoundError
from service.store.remote import RemoteStore
from tests.engines import engine_for
from tests.virtuoso import running_virtuoso

G = "urn:test:virtuoso:g"
DATA = b'<urn:test:a> <urn:test:p> <urn:test:b> .\n<urn:test:a> <urn:test:p> "x"@en .\n'


@pytest.fixture
def store(request: pytest.FixtureRequest) -> Iterator[RemoteStore]:
    """A remote store on the Virtuoso of the module, cleared of the tests' graphs."""
    remote = engine_for("virtuoso", request).store()
    yield remote
    remote.close()


def test_graph_store_writes_read_back(store: RemoteStore) -> None:
    assert store.load(DATA, media_type="application/n-triples", graph=G) == 2
    assert store.count(G) == 2
    exported = store.export(G, media_type="application/n-triples")
    assert sorted(exported.splitlines()) == sorted(DATA.splitlines())
    store.load(DATA[: DATA.index(b"\n") + 1], media_type="application/n-triples", graph=G,
               replace=True)  # fmt: skip
    assert store.count(G) == 1
    store.delete_graph(G)
    assert store.count(G) == 0
    with pytest.raises(NotFoundError):
        store.export(G, media_type="application/n-triples")


def test_updates_and_selects(store: RemoteStore) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{G}> {{ <urn:test:s> <urn:test:q> "1" , "2" }} }}')
    rows = store.select(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ <urn:test:s> <urn:test:q> ?o }} }}")
    assert sorted(row["o"].value for row in rows) == ["1", "2"]
    store.update(f'DELETE DATA {{ GRAPH <{G}> {{ <urn:test:s> <urn:test:q> "1" }} }}')
    assert store.count(G) == 1


def test_quirks_are_answered_in_standard_sparql(store: RemoteStore) -> None:
    """Virtuoso lists named graphs only by a triple in them, answers an ASK as rows, and
    has no default graph of its own (its default graph is the union of every graph)."""
    store.load(DATA, media_type="application/n-triples", graph=G)
    assert G in store.graphs()
    assert store.ask(f"ASK {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
    assert not store.ask("ASK { <urn:test:absent> ?p ?o }")
    answer = store.query(
        "ASK { <urn:test:absent> ?p ?o }", accept="application/sparql-results+json"
    )
    assert json.loads(answer.body)["boolean"] is False
    assert store.union_default()
    assert store.count(None) == 0
    with pytest.raises(InputError, match="no default graph of its own"):
        store.load(DATA, media_type="application/n-triples", graph=None)


def test_sparql_answers_in_json_and_capped(store: RemoteStore) -> None:
    store.load(DATA, media_type="application/n-triples", graph=G)
    query = f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }} ORDER BY ?o"
    answer = store.query(query, accept="application/sparql-results+json")
    values = [row["o"]["value"] for row in json.loads(answer.body)["results"]["bindings"]]
    assert values == ["urn:test:b", "x"] or values == ["x", "urn:test:b"]
    assert not answer.truncated
    one_row = RemoteStore(store.query_url, max_rows=1)
    try:
        capped = one_row.query(query, accept="application/sparql-results+json")
    finally:
        one_row.close()
    assert capped.truncated
    assert len(json.loads(capped.body)["results"]["bindings"]) == 1


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    """A store on a Virtuoso of its own whose ResultSetMaxRows is 3 and MaxSortedTopRows its
    default (10,000), holding 5 triples."""
    folder = tmp_path_factory.mktemp("virtuoso-capped")
    with running_virtuoso(folder, max_rows=3, max_sorted=10_000) as server:
        remote = RemoteStore(server.query_url, update_url=server.update_url, gsp_url=server.gsp_url)
        lines = b"".join(b"<urn:test:s> <urn:test:p> <urn:test:o%d> .\n" % n for n in range(5))
        remote.load(lines, media_type="application/n-triples", graph=G)
        yield remote
        remote.close()


def test_a_silently_cut_answer_is_an_error(capped: RemoteStore) -> None:
    """Virtuoso drops the rows past ResultSetMaxRows and says so only in a header: every
    read of the service refuses the cut answer (503) instead of using what came back."""
    query = f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"
    with pytest.raises(LimitExceededError, match="ResultSetMaxRows"):
        capped.select(query)
    with pytest.raises(LimitExceededError, match="ResultSetMaxRows"):
        capped.query(query, accept="application/sparql-results+json")
    with pytest.raises(LimitExceededError, match="ResultSetMaxRows"):
        capped.select_in("SELECT ?o WHERE { ?s ?p ?o } LIMIT 4", default_graphs=[G])
    with pytest.raises(LimitExceededError, match="ResultSetMaxRows"):
        capped.export(G, media_type="application/n-triples")  # no header: cut silently
    assert [row["o"].value for row in capped.select(query + " ORDER BY ?o LIMIT 2")] == [
        "urn:test:o0",
        "urn:test:o1",
    ]


def test_a_sort_past_the_engines_limit_is_an_error(capped: RemoteStore) -> None:
    """A page past MaxSortedTopRows is refused by Virtuoso (SR353): a 503 naming the setting."""
    query = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o LIMIT 2 OFFSET 20000"
    with pytest.raises(LimitExceededError, match="MaxSortedTopRows"):
        capped.select_in(query, default_graphs=[G])


def test_a_write_past_the_engines_log_limit_is_an_error(tmp_path: Path) -> None:
    """An update whose transaction log outgrows TransactionAfterImageLimit (here its least,
    10,000 bytes) is aborted by Virtuoso (SR325): a 503 naming the setting, and nothing of
    it is written."""
    with running_virtuoso(tmp_path, max_after_image=10_000) as server:
        remote = RemoteStore(server.query_url, update_url=server.update_url, gsp_url=server.gsp_url)
        text = "x" * 1_000
        triples = " ".join(f'<urn:test:s{n}> <urn:test:p> "{text}{n}" .' for n in range(50))
        with pytest.raises(LimitExceededError, match="TransactionAfterImageLimit"):
            remote.update(f"INSERT DATA {{ GRAPH <{G}> {{ {triples} }} }}")
        assert remote.count(G) == 0
        remote.close()
