"""The analytics graph: one triple per value, provenance, privacy, the CLI command."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, URIRef

from service.cli import main
from service.errors import ForbiddenOperationError
from service.namespaces import SBA as SBA_NS
from service.network.analysis import analyse
from service.network.read import read_network
from service.network.run import analyse_store
from service.resources import ANALYTICS, DATA_DIR
from service.store.base import Store
from service.store.embedded import EmbeddedStore
from service.store.system_graphs import ANALYTICS_GRAPH

SBA = "https://w3id.org/social-business/analytics#"
EXAMPLE = sorted((DATA_DIR / "example").glob("*.ttl"))


def _load_example(store: EmbeddedStore) -> None:
    for path in EXAMPLE:
        store.load(path.read_bytes(), media_type="text/turtle", graph=f"urn:test:{path.name}")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path_factory.mktemp("analytics") / "store")
    _load_example(opened)
    yield opened
    opened.close()


def _values(store: EmbeddedStore, prop: str) -> dict[str, str]:
    rows = store.select(
        f"SELECT ?s ?v WHERE {{ GRAPH <{ANALYTICS_GRAPH}> {{ ?s <{SBA}{prop}> ?v }} }}"
    )
    return {row["s"].value: row["v"].value for row in rows}


def test_per_person_values_are_one_triple_each_when_allowed(store: EmbeddedStore) -> None:
    answer = analyse_store(store, min_group_size=3, write_people=True, show_people=True)
    analysis = analyse(read_network(store), min_group_size=3)
    betweenness = _values(store, "betweenness")
    assert len(betweenness) == analysis.network.size == answer["people"] > 10
    for person in analysis.people:
        assert float(betweenness[person.person]) == pytest.approx(person.betweenness)
    assert {p["person"] for p in answer["persons"]} == set(betweenness)
    liaison = _values(store, "liaisonBrokerage")
    assert sum(int(v) for v in liaison.values()) == sum(
        p.brokerage["liaison"] for p in analysis.people
    )
    assert _values(store, "personMetrics") == {ANALYTICS_GRAPH: "true"}


def test_per_person_values_stay_out_unless_allowed(store: EmbeddedStore) -> None:
    answer = analyse_store(store, min_group_size=3, write_people=False, show_people=False)
    assert "persons" not in answer
    assert _values(store, "betweenness") == {}
    assert _values(store, "personMetrics") == {ANALYTICS_GRAPH: "false"}
    assert _values(store, "eiIndex")  # aggregates are still there


def test_small_groups_are_suppressed_in_graph_and_answer(store: EmbeddedStore) -> None:
    answer = analyse_store(store, min_group_size=4, write_people=False, show_people=False)
    sizes = {k: int(v) for k, v in _values(store, "memberCount").items()}
    suppressed = _values(store, "suppressed")
    densities = _values(store, "density")
    assert {o for o, n in sizes.items() if n < 4} == set(suppressed) != set()
    assert not set(suppressed) & set(densities)
    assert all("fewer than 4" in reason for reason in suppressed.values())
    by_name = {g["organisation"]: g for g in answer["groups"]}
    assert all(by_name[o]["density"] is None and by_name[o]["suppressed"] for o in suppressed)


def test_provenance_on_the_graph(store: EmbeddedStore) -> None:
    analyse_store(store, min_group_size=3, write_people=False, show_people=False)
    fingerprint = _values(store, "dataFingerprint")[ANALYTICS_GRAPH]
    assert fingerprint == read_network(store).fingerprint()
    graph = f"<{ANALYTICS_GRAPH}>"
    software = store.select(f"SELECT ?v WHERE {{ GRAPH {graph} {{ {graph} <{SBA}software> ?v }} }}")
    assert sorted(row["v"].value.split()[0] for row in software) == ["networkit", "rustworkx"]
    assert store.ask(
        f"ASK {{ GRAPH <{ANALYTICS_GRAPH}> {{ <{ANALYTICS_GRAPH}> a <{SBA}NetworkAnalysis> ; "
        "<http://www.w3.org/ns/prov#generatedAtTime> ?t }}"
    )


def test_each_analysis_replaces_the_graph(store: EmbeddedStore) -> None:
    analyse_store(store, min_group_size=3, write_people=True, show_people=False)
    first = store.count(ANALYTICS_GRAPH)
    analyse_store(store, min_group_size=3, write_people=True, show_people=False)
    assert store.count(ANALYTICS_GRAPH) == first


def test_clients_cannot_write_the_analytics_graph(store: EmbeddedStore) -> None:
    with pytest.raises(ForbiddenOperationError):
        store.update(f"INSERT DATA {{ GRAPH <{ANALYTICS_GRAPH}> {{ <urn:a> <urn:b> 1 }} }}")
    with pytest.raises(ForbiddenOperationError):
        store.load(b"<urn:a> <urn:b> 1 .", media_type="text/turtle", graph=ANALYTICS_GRAPH)


def test_cli_analyse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "store"
    opened = EmbeddedStore(path)
    _load_example(opened)
    opened.close()
    assert main(["analyse", "--store", str(path)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["graph"] == ANALYTICS_GRAPH and "persons" not in answer
    assert main(["analyse", "--store", str(path), "--people"]) == 0
    assert json.loads(capsys.readouterr().out)["persons"]


def test_sba_is_closed_and_matches_the_analytics_ontology() -> None:
    graph = Graph().parse(ANALYTICS.path, format="turtle")
    defined = {
        str(term).removeprefix(SBA)
        for term in graph.subjects(RDFS.isDefinedBy, URIRef(ANALYTICS.iri))
    }
    assert defined == {name for name in SBA_NS.__annotations__ if not name.startswith("_")}
    with pytest.raises(AttributeError):
        _ = SBA_NS.betweeness


def test_both_backends_write_the_graph(make_store: Callable[..., Store]) -> None:
    """On the embedded store and on a SPARQL 1.1 server alike."""
    backend = make_store()
    data = (DATA_DIR / "example" / "organization.ttl").read_bytes()
    backend.load(data, media_type="text/turtle", graph="urn:test:organization")
    answer = analyse_store(backend, min_group_size=3, write_people=True, show_people=False)
    rows = backend.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ANALYTICS_GRAPH}> {{ ?p <{SBA}pageRank> ?r }} }}"
    )
    assert int(rows[0]["n"].value) == answer["people"] > 10
