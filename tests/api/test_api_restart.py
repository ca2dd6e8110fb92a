"""A restart serves the maintained live findings without validating the store again, and a
missing or stale state (another version, a write behind the service's back, findings lost
to a client's `DELETE` over `GRAPH ?g`) is rebuilt once; either way `GET /findings` equals a
full validation afterwards."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.cli import main
from service.findings import LiveFindings, saved
from service.settings import Settings
from service.store import open_store
from service.store.base import Store
from service.store.system_graphs import service_writes
from tests.api.conftest import _settings_factory, _start
from tests.api.test_api_findings import TEAM, TEAM_GRAPH, full_keys, leave, live_keys
from tests.api.test_api_validate import TURTLE, load_example

SERVED = "live findings: serving the maintained state"
REBUILT = "rebuilding it once"
VALIDATED = "validating it whole"
RESTORED = "restoring the engine from the kept findings"
WARMED = "warming the engine up"
UPDATE = {"content-type": "application/sparql-update"}


@pytest.fixture
def restart(
    store_settings: Callable[[], dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> Iterator[Callable[[], TestClient]]:
    """Start apps one after the other on the same store (the previous one stopped first);
    the log of each start is in `caplog`."""
    settings = Settings(**(store_settings() | {"open": True}))
    running: list[TestClient] = []

    def start() -> TestClient:
        if running:
            running.pop().__exit__(None, None, None)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="service.findings"):
            running.append(_start(settings))
        return running[-1]

    yield start
    for client in running:
        client.__exit__(None, None, None)


def _ready(client: TestClient) -> None:
    """Wait for the warm-up (writes wait for it; so does this)."""
    client.app.state.guard.live.wait_ready()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_warm_up_restores_the_engine_from_the_kept_findings_without_validating(
    restart: Callable[[], TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    """The engine takes each rule's findings from the kept ones instead of running it, and
    then follows writes exactly as one that validated: across two restarts and a write."""
    caplog.set_level(logging.INFO, logger="service.findings")  # the warm-up's lines too
    client = restart()
    load_example(client)
    assert client.put("/store", params={"graph": TEAM_GRAPH}, content=TEAM, headers=TURTLE)
    before = initial = live_keys(client)
    for person in ("ben", "ana"):  # one leaves: still clean; two: R13
        client = restart()
        _ready(client)
        assert RESTORED in caplog.text and WARMED not in caplog.text
        assert live_keys(client) == before == full_keys(client)
        written = client.post("/update", content=leave(person), headers=UPDATE)
        assert written.status_code == 204
        assert live_keys(client) == full_keys(client)
        before = live_keys(client)
    assert before != initial


@pytest.mark.slow
def test_kept_findings_that_do_not_match_the_store_are_validated_whole(
    restart: Callable[[], TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    """The rules the warm-up runs (those whose findings cannot be told apart by their
    signature: R09, R12, R19, R20 have two constraints each) check the kept state: one of
    their kept findings taken away (and the stamp's count mended, as no client can) makes
    the warm-up validate whole and write the state anew."""
    caplog.set_level(logging.INFO, logger="service.findings")  # the warm-up's lines too
    client = restart()
    load_example(client)
    client = restart()
    _ready(client)
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    records = saved.read_records(store)
    lines = [line for record, line in records if record.finding.rule != "R19"]
    assert len(lines) < len(records)
    stamp = saved.read_stamp(store)
    assert stamp is not None
    saved.rewrite(store, lines, saved.Stamp(stamp.version, stamp.quads, len(lines)))
    client = restart()
    _ready(client)
    assert RESTORED in caplog.text and "do not match the store" in caplog.text
    assert WARMED in caplog.text
    assert live_keys(client) == full_keys(client)
    store = client.app.state.store  # type: ignore[attr-defined]
    assert len(saved.read_records(store)) == len(records)


@pytest.mark.slow
def test_a_restart_serves_the_kept_findings_without_validating(
    restart: Callable[[], TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = restart()
    assert REBUILT in caplog.text  # a new store: no state yet
    load_example(client)
    assert client.put("/store", params={"graph": TEAM_GRAPH}, content=TEAM, headers=TURTLE)
    assert client.post("/update", content=leave("ana"), headers=UPDATE).status_code == 204
    before = live_keys(client)
    client = restart()
    assert SERVED in caplog.text  # no validation before serving: the engine warms up after
    assert VALIDATED not in caplog.text and REBUILT not in caplog.text
    assert live_keys(client) == before  # served from the kept state (maybe before warm-up)
    _ready(client)
    assert live_keys(client) == before == full_keys(client)
    written = client.post("/update", content=leave("ben"), headers=UPDATE)
    assert written.headers["Triskel-Findings-Opened"] != "0"  # R13: one participant left
    after = live_keys(client)
    client = restart()
    assert SERVED in caplog.text and VALIDATED not in caplog.text
    assert live_keys(client) == after == full_keys(client)


@pytest.mark.slow
def test_a_write_that_opens_many_findings_loads_the_kept_state_anew(
    restart: Callable[[], TestClient],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past `PATCH_LINES` changed statements (and a fiftieth of those kept) the findings
    graph is loaded anew, not patched by an update; a restart then serves exactly the
    findings of a full validation."""
    monkeypatch.setattr(saved, "PATCH_LINES", 2)
    rewritten: list[int] = []
    rewrite = saved.rewrite

    def noted(store: Store, lines: list[str], stamp: saved.Stamp) -> None:
        rewritten.append(len(lines))
        rewrite(store, lines, stamp)

    monkeypatch.setattr(saved, "rewrite", noted)
    client = restart()
    load_example(client)
    opened = live_keys(client)
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    assert len(rewritten) > 1 and rewritten[-1] == len(saved.read_records(store)) > 2
    client = restart()
    assert SERVED in caplog.text and VALIDATED not in caplog.text
    assert live_keys(client) == opened
    _ready(client)
    assert live_keys(client) == opened == full_keys(client)


def test_the_kept_findings_are_served_with_their_context_before_the_warm_up(
    restart: Callable[[], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = restart()
    load_example(client)
    practice = next(p for r in client.get("/findings").json()["results"] for p in r["practices"])
    expected = client.get("/findings", params={"practice": practice}).json()
    held = threading.Event()
    warm_up = LiveFindings.warm_up

    def held_warm_up(live: LiveFindings, store: Store) -> None:
        held.wait(60)
        warm_up(live, store)

    monkeypatch.setattr(LiveFindings, "warm_up", held_warm_up)
    client = restart()
    try:
        assert not client.app.state.guard.live.ready  # type: ignore[attr-defined]
        kept = client.get("/findings", params={"practice": practice}).json()
    finally:
        held.set()
    assert kept["results"] == expected["results"]
    assert kept["counts"] == expected["counts"] and kept["page"] == expected["page"]


@pytest.mark.parametrize(
    "spoil",
    ["no-stamp", "other-version", "lost-findings"],
)
def test_a_missing_or_stale_state_is_rebuilt_once(
    restart: Callable[[], TestClient], caplog: pytest.LogCaptureFixture, spoil: str
) -> None:
    client = restart()
    load_example(client)
    before = live_keys(client)
    store = client.app.state.store  # type: ignore[attr-defined]
    with service_writes():
        if spoil == "no-stamp":
            saved.forget(store)
        elif spoil == "other-version":
            store.update(
                f"DELETE {{ GRAPH <{saved.STATE_GRAPH}> {{ ?s ?p ?v }} }} "
                f'INSERT {{ GRAPH <{saved.STATE_GRAPH}> {{ ?s ?p "older" }} }} '
                f"WHERE {{ GRAPH <{saved.STATE_GRAPH}> {{ ?s <{saved.SBR.stateVersion}> ?v "
                f"BIND(<{saved.SBR.stateVersion}> AS ?p) }} }}"
            )
    if spoil == "lost-findings":  # a client's update may reach the kept findings: not refused
        lost = f"DELETE WHERE {{ GRAPH ?g {{ ?f <{saved.SBR.record}> ?r }} }}"
        assert client.post("/update", content=lost, headers=UPDATE).status_code == 204
    client = restart()
    assert caplog.text.count(REBUILT) == 1 and SERVED not in caplog.text
    assert live_keys(client) == before == full_keys(client)
    client = restart()  # rebuilt once: the next start serves the state again
    assert SERVED in caplog.text and REBUILT not in caplog.text


def test_a_write_behind_the_back_of_a_remote_store_is_found_at_start(
    request: pytest.FixtureRequest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """On a remote store others write too: a changed count of validated quads rebuilds."""
    settings = Settings(**(_settings_factory("remote", tmp_path, request)() | {"open": True}))
    client = _start(settings)
    try:
        load_example(client)
    finally:
        client.__exit__(None, None, None)
    behind = f"INSERT DATA {{ GRAPH <{TEAM_GRAPH}> {{ <urn:x:p> a <urn:x:C> }} }}"
    httpx.post(settings.sparql_update_url or "", data={"update": behind}).raise_for_status()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="service.findings"):
        client = _start(settings)
    try:
        assert "changed behind the service's back" in caplog.text
        assert live_keys(client) == full_keys(client)
    finally:
        client.__exit__(None, None, None)


def test_triskel_load_takes_the_stamp_away(tmp_path: Path) -> None:
    """A load made while the service is down is followed by a rebuild at its next start."""
    settings = Settings(store_path=tmp_path / "store", open=True)
    _start(settings).__exit__(None, None, None)
    store = open_store(settings)
    try:
        assert saved.read_stamp(store) is not None
    finally:
        store.close()
    data = tmp_path / "more.ttl"
    data.write_text(TEAM)
    assert main(["load", "--store", str(settings.store_path), str(data)]) == 0
    store = open_store(settings)
    try:
        assert saved.read_stamp(store) is None
    finally:
        store.close()
