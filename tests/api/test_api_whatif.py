"""`POST /whatif`: each kind of scenario answers what the same write, really made, does to the
findings and the network, and the store is byte-for-byte unchanged by the what-if."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.guard import Update
from service.network.read import read_network
from service.reports.canonical import canonical_hash
from service.reports.diff import Diff, result_id
from service.reports.snapshot import validated_graphs
from service.resources import DATA_DIR
from service.settings import Settings
from service.store.embedded import EmbeddedStore
from service.whatif import read_scenario, what_if
from service.whatif.network import network_change
from tests.api.conftest import TOKENS, _start

EX = "https://example.org/larkspur/"
SB = "https://w3id.org/social-business#"
SPEC = ",".join(f"{role}:{token}" for role, token in TOKENS.items())
MIN_GROUP = 3
FILES = sorted((DATA_DIR / "example").glob("*.ttl"))
SCENARIOS: dict[str, dict[str, Any]] = {
    "ban-tool": {
        "steps": [{"kind": "ban-tool", "organisation": EX + "larkspur", "tool": EX + "slack"}]
    },
    "ban-tool-in-graph": {
        "steps": [
            {
                "kind": "ban-tool",
                "organisation": EX + "swiftline",
                "tool": EX + "whatsapp",
                "graph": "urn:test:technology.ttl",
            }
        ]
    },
    "remove-policy": {"steps": [{"kind": "remove-policy", "policy": EX + "privacyPolicy"}]},
    "person-leaves": {"steps": [{"kind": "person-leaves", "person": EX + "maya"}]},
    "drop-arc": {"steps": [{"kind": "drop-arc", "arc": EX + "arcMayaBen"}]},
    "move-unit": {
        "steps": [{"kind": "move-unit", "unit": EX + "returnsDesk", "parent": EX + "swiftline"}]
    },
    "several-steps": {
        "title": "the launch team loses Olivia and Slack",
        "steps": [
            {"kind": "person-leaves", "person": EX + "olivia"},
            {"kind": "ban-tool", "organisation": EX + "larkspur", "tool": EX + "slack"},
        ],
    },
}
RAW = f"DELETE WHERE {{ GRAPH <urn:test:organization.ttl> {{ <{EX}arcBenDev> ?p ?o }} }}"


def _as(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("whatif")
    store = EmbeddedStore(folder / "store")
    for path in FILES:
        store.load(path.read_bytes(), media_type="text/turtle", graph=_graph(path))
    store.close()
    started = _start(Settings(store_path=folder / "store", tokens=SPEC, min_group_size=MIN_GROUP))
    yield started
    started.__exit__(None, None, None)


def _graph(path: Path) -> str:
    return f"urn:test:{path.name}"


def _canonical(client: TestClient) -> str:
    store = client.app.state.store  # type: ignore[attr-defined]
    return canonical_hash(store.export(None, media_type="application/n-quads", dataset=True))


def _results(client: TestClient) -> list[dict[str, Any]]:
    answer = client.post("/validate", headers=_as("read"))
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def _restore(client: TestClient) -> None:
    """Put the example back as it was (each graph replaced, the default graph emptied)."""
    for path in FILES:
        put = client.put(
            "/store",
            params={"graph": _graph(path)},
            content=path.read_bytes(),
            headers={**_as("write"), "Content-Type": "text/turtle"},
        )
        assert put.status_code in (200, 204), put.text
    emptied = client.delete("/store", params={"default": ""}, headers=_as("write"))
    assert emptied.status_code in (200, 204, 404), emptied.text


def _whatif(client: TestClient, body: str, media_type: str, role: str = "admin") -> Any:
    return client.post(
        "/whatif", content=body.encode(), headers={**_as(role), "Content-Type": media_type}
    )


def _compare(client: TestClient, body: str, media_type: str, update: str) -> dict[str, Any]:
    """The what-if's answer, checked against `update` really written then validated and
    read back; the store unchanged by the what-if; restored after the real write."""
    before_hash = _canonical(client)
    answer = _whatif(client, body, media_type)
    assert answer.status_code == 200, answer.text
    assert _canonical(client) == before_hash
    found = answer.json()
    store = client.app.state.store  # type: ignore[attr-defined]
    before, network_before = _results(client), read_network(store)
    try:
        written = client.post(
            "/update",
            content=update,
            headers={**_as("write"), "Content-Type": "application/sparql-update"},
        )
        assert written.status_code == 204, written.text
        real = Diff.between(_results(client), before)
        expected = network_change(
            network_before, read_network(store), min_group_size=MIN_GROUP, people=True
        )
    finally:
        _restore(client)
    assert {result_id(r) for r in found["findings"]["new"]} == {result_id(r) for r in real.new}
    assert {result_id(r) for r in found["findings"]["resolved"]} == {
        result_id(r) for r in real.resolved
    }
    assert found["network"] == expected
    return found


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_kind_answers_what_the_write_does(client: TestClient, name: str) -> None:
    body = json.dumps(SCENARIOS[name])
    store = client.app.state.store  # type: ignore[attr-defined]
    graphs = [None, *validated_graphs(store.graphs())]
    found = _compare(client, body, "application/json", read_scenario(body.encode()).update(graphs))
    assert found["delta"]["added"] + found["delta"]["removed"] > 0
    assert found["findings"]["counts"]["new"] + found["findings"]["counts"]["resolved"] > 0


def test_a_raw_update_is_a_scenario(client: TestClient) -> None:
    found = _compare(client, RAW, "application/sparql-update", RAW)
    assert found["scenario"] == {"update": RAW}
    assert found["network"]["ties"]["before"] - found["network"]["ties"]["after"] == 1


def test_dropping_an_arc_by_hand(client: TestClient) -> None:
    """Checked by hand on the example: Ben brokered Maya -> Ben -> Dev (a liaison between
    three units) and Maya -> Ben -> Jonas; the conversations along the arc are affected."""
    found = _whatif(client, json.dumps(SCENARIOS["drop-arc"]), "application/json").json()
    network = found["network"]
    assert (network["ties"]["before"], network["ties"]["after"]) == (42, 41)
    assert network["brokerage_lost"]["brokers"]["people"] == [EX + "ben"]
    assert sum(network["brokerage_lost"]["by_role"].values()) == 2
    assert EX + "convLaunchSecurity" in found["affected"]["conversations"]
    assert found["delta"] == {"removed": 8, "added": 0}


def test_a_departure_names_what_it_reaches(client: TestClient) -> None:
    found = _whatif(client, json.dumps(SCENARIOS["person-leaves"]), "application/json").json()
    assert found["network"]["people"] == {"before": 27, "after": 26}
    assert found["affected"]["practices"] and found["affected"]["conversations"]
    assert {r["rule"] for r in found["findings"]["new"]} >= {"R01"}


def test_readers_may_ask_and_see_no_people(client: TestClient) -> None:
    assert _whatif(client, RAW, "application/sparql-update", role="read").status_code == 200
    found = _whatif(client, json.dumps(SCENARIOS["drop-arc"]), "application/json", "read").json()
    brokers = found["network"]["brokerage_lost"]
    assert brokers["brokers"] == {
        "count": 1,
        "people": None,
        "reason": brokers["brokers"]["reason"],
    }
    assert "by_person" not in brokers and "TRISKEL_PERSON_METRICS" in brokers["brokers"]["reason"]
    anonymous = client.post(
        "/whatif", content=RAW, headers={"Content-Type": "application/sparql-update"}
    )
    assert anonymous.status_code == 401


BAD = [
    ("{", "application/json", 400, "not JSON"),
    ("[]", "application/json", 400, "schema"),
    ('{"steps": []}', "application/json", 400, "schema"),
    ('{"steps": [{"kind": "fire-everyone"}]}', "application/json", 400, "fire-everyone"),
    ('{"steps": [{"kind": "drop-arc"}]}', "application/json", 400, "arc"),
    (
        json.dumps({"steps": [{"kind": "drop-arc", "arc": EX + "arcMayaBen", "weight": 1}]}),
        "application/json",
        400,
        "weight",
    ),
    (
        json.dumps({"steps": [{"kind": "drop-arc", "arc": "not an iri"}]}),
        "application/json",
        400,
        "iri",
    ),
    (
        json.dumps(
            {"steps": [{"kind": "ban-tool", "organisation": EX + "larkspur", "tool": EX + "maya"}]}
        ),
        "application/json",
        400,
        "maya> is not a",
    ),
    (
        json.dumps(
            {
                "steps": [
                    {"kind": "move-unit", "unit": EX + "customerCare", "parent": EX + "returnsDesk"}
                ]
            }
        ),
        "application/json",
        400,
        "cycle",
    ),
    (
        json.dumps(
            {"steps": [{"kind": "move-unit", "unit": EX + "larkspur", "parent": EX + "swiftline"}]}
        ),
        "application/json",
        400,
        "under no organisation",
    ),
    ("DELETE WHERE { ?s ?p", "application/sparql-update", 400, ""),
    ("DROP GRAPH <urn:triskel:analytics>", "application/sparql-update", 403, "system graph"),
    ("DROP GRAPH <urn:test:absent>", "application/sparql-update", 400, "does not exist"),
    ("{}", "text/plain", 415, "application/json"),
]


@pytest.mark.parametrize(("body", "media_type", "status", "words"), BAD)
def test_bad_scenarios_are_problems_and_change_nothing(
    client: TestClient, body: str, media_type: str, status: int, words: str
) -> None:
    before = _canonical(client)
    answer = _whatif(client, body, media_type)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert words in answer.json()["detail"]
    assert _canonical(client) == before


def test_what_ifs_beside_writes_leave_the_findings_true(client: TestClient) -> None:
    """What-ifs and writes in two threads: every what-if answers, every write lands, and
    afterwards the live findings are those of a full validation."""
    guard = client.app.state.guard  # type: ignore[attr-defined]
    store = client.app.state.store  # type: ignore[attr-defined]
    scenario = read_scenario(json.dumps(SCENARIOS["several-steps"]).encode())
    answers: list[int] = []

    def ask() -> None:
        for _ in range(3):
            found = what_if(store, guard, scenario, min_group_size=MIN_GROUP, people=False)
            answers.append(found["findings"]["counts"]["new"])

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        for number in range(3):
            person = f"<urn:test:newcomer{number}>"
            update = f"INSERT DATA {{ GRAPH <urn:test:extra> {{ {person} a <{SB}Person> }} }}"
            guard.apply(store, Update(update))
        asking.join()
        live = {
            result_id(r) for r in client.get("/findings", headers=_as("read")).json()["results"]
        }
        assert live == {result_id(r) for r in _results(client)}
        assert len(answers) == 3 and all(answers)
        assert EX + "olivia" in read_network(store).people  # the scenario was never written
    finally:
        deleted = client.delete("/store", params={"graph": "urn:test:extra"}, headers=_as("write"))
        assert deleted.status_code in (200, 204), deleted.text


def test_both_backends_answer_alike(make_client: Callable[..., TestClient]) -> None:
    """On a SPARQL 1.1 server (which cannot say what an update would change) the update is
    tried on a copy of the live data instead; the answer is the embedded store's."""
    served = make_client(open=True, min_group_size=MIN_GROUP)
    for path in FILES:
        put = served.put(
            "/store",
            params={"graph": _graph(path)},
            content=path.read_bytes(),
            headers={"Content-Type": "text/turtle"},
        )
        assert put.status_code in (201, 204), put.text
    before = _canonical(served)
    answer = served.post(
        "/whatif",
        content=json.dumps(SCENARIOS["drop-arc"]),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert sorted((r["rule"], r["value"]) for r in found["findings"]["new"]) == [
        ("R01", EX + "ben"),
        ("R01", EX + "maya"),
    ]
    assert found["network"]["ties"] == {"before": 42, "after": 41}
    assert _canonical(served) == before
