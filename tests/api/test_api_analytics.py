"""`POST /analyse`: the write role recomputes; per-person metrics for admins or by setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.resources import DATA_DIR
from service.settings import Settings
from service.store.embedded import EmbeddedStore
from service.store.system_graphs import ANALYTICS_GRAPH
from tests.api.conftest import TOKENS, _start

SPEC = ",".join(f"{role}:{token}" for role, token in TOKENS.items())
BETWEENNESS = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ANALYTICS_GRAPH}> "
    "{ ?p <https://w3id.org/social-business/analytics#betweenness> ?b } }"
)


def _as(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def _client(folder: Path, **fields: object) -> TestClient:
    store = EmbeddedStore(folder / "store")
    for path in sorted((DATA_DIR / "example").glob("*.ttl")):
        store.load(path.read_bytes(), media_type="text/turtle", graph=f"urn:test:{path.name}")
    store.close()
    return _start(Settings(store_path=folder / "store", tokens=SPEC, **fields))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    started = _client(tmp_path_factory.mktemp("analyse"), min_group_size=3)
    yield started
    started.__exit__(None, None, None)


def _people_in_graph(client: TestClient) -> int:
    answer = client.get(
        "/sparql",
        params={"query": BETWEENNESS},
        headers={**_as("read"), "Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_analyse_needs_the_write_role(client: TestClient) -> None:
    assert client.post("/analyse").status_code == 401
    refused = client.post("/analyse", headers=_as("read"))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_writers_get_aggregates_and_admins_people(client: TestClient) -> None:
    written = client.post("/analyse", headers=_as("write"))
    assert written.status_code == 200
    assert "persons" not in written.json() and written.json()["groups"]
    admin = client.post("/analyse", headers=_as("admin")).json()
    assert admin["persons"] and admin["person_metrics_in_graph"] is False
    assert _people_in_graph(client) == 0  # readers never see them by SPARQL


def test_clients_cannot_write_the_graph(client: TestClient) -> None:
    update = f"INSERT DATA {{ GRAPH <{ANALYTICS_GRAPH}> {{ <urn:a> <urn:b> 1 }} }}"
    answer = client.post("/update", data={"update": update}, headers=_as("admin"))
    assert answer.status_code == 403


def test_person_metrics_read_writes_them_for_every_reader(tmp_path: Path) -> None:
    client = _client(tmp_path, min_group_size=3, person_metrics="read")
    try:
        answer = client.post("/analyse", headers=_as("write")).json()
        assert answer["persons"] and answer["person_metrics_in_graph"] is True
        assert _people_in_graph(client) == answer["people"]
    finally:
        client.__exit__(None, None, None)
