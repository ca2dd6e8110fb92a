"""Cases 17-19 of the hardening issue: a crash, a failing disk or a race loses nothing.

Case 17 runs a live `triskel serve` (uvicorn) in a child process and SIGKILLs it while it
writes an upload; case 18 makes the disk fail under a commit; case 19 races two uploads and
a query.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.live import free_port, start
from tests.hardening.conftest import (
    READ,
    TOKEN_SPEC,
    WRITE,
    Audit,
    FailingDisk,
    Service,
    problem_of,
)

GRAPH = "urn:big"
NT = {"Content-Type": "application/n-triples"}
COUNT = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
RESULTS = {"Accept": "application/sparql-results+json"}


def triples(count: int, tag: str) -> bytes:
    return "".join(f'<urn:s{i}> <urn:p> "{tag}{i}" .\n' for i in range(count)).encode()


def _count(get: Callable[..., Any]) -> int:
    response = get("/sparql", params={"query": COUNT}, headers=RESULTS | READ)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


class LiveServer:
    """`triskel serve` with tokens over one store folder, and a client for it."""

    def __init__(self, store: Path, audit: Audit) -> None:
        port = free_port()
        audit.ports.add(port)  # before the first request: the trap allows only known ports
        env = {"TRISKEL_TOKENS": TOKEN_SPEC, "TRISKEL_STORE_PATH": str(store)}
        self.server = start([], env=env, log=store.parent / "serve.log", port=port)
        self.client = httpx.Client(base_url=self.server.url, timeout=60)

    def kill(self) -> None:
        self.server.stop(signal.SIGKILL)
        self.client.close()

    def stop(self) -> None:
        self.server.stop()
        self.client.close()


@pytest.fixture
def live(tmp_path: Path, audit: Audit) -> Iterator[Callable[[], LiveServer]]:
    """Start live servers on one store folder; each is stopped after the test."""
    servers: list[LiveServer] = []

    def start() -> LiveServer:
        servers.append(LiveServer(tmp_path / "store", audit))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("method", ["put", "post"])
def test_case_17_sigkill_mid_upload_leaves_old_or_new_and_restarts(
    live: Callable[[], LiveServer], tmp_path: Path, method: str
) -> None:
    """200k triples rather than 1M, to keep the suite short: the write path is the same
    (the bulk path with its journal from 100k quads on). The child is killed once the
    upload's journal mark shows the write is under way; restarted on the same folder
    without any repair, it holds the whole old graph or the whole new one."""
    old, new = triples(1_000, "old"), triples(200_000, "new")
    server = live()
    assert server.client.put(f"/store?graph={GRAPH}", content=old, headers=NT | WRITE).is_success
    journal = tmp_path / "store.journal"
    upload = threading.Thread(
        target=_send_ignoring_disconnect,
        args=(server.client, method, f"/store?graph={GRAPH}", new),
    )
    upload.start()
    end = time.monotonic() + 60
    while not journal.exists() and time.monotonic() < end:
        time.sleep(0.002)
    assert journal.exists(), "the bulk write never started"
    server.kill()
    upload.join(timeout=60)
    restarted = live()
    found = _count(restarted.client.get)
    whole_new = 200_000 if method == "put" else 201_000
    assert found in (1_000, whole_new)
    assert not journal.exists()
    again = restarted.client.put(f"/store?graph={GRAPH}", content=old, headers=NT | WRITE)
    assert again.status_code == 204 and _count(restarted.client.get) == 1_000


def _send_ignoring_disconnect(client: httpx.Client, method: str, url: str, body: bytes) -> None:
    """Send an upload whose server is about to die; the lost connection is expected."""
    with contextlib.suppress(httpx.TransportError):
        client.request(method.upper(), url, content=body, headers=NT | WRITE)


FAILING_WRITES = frozenset({"load", "bulk_load", "update", "extend", "bulk_extend", "add"})
"""What fails in these cases; `remove_graph` still runs (a replace drops the old graph first),
so a bulk write fails midway, after the store has already changed: the journal must put it
back."""


@pytest.mark.parametrize(
    ("code", "status"), [(errno.ENOSPC, 507), (errno.EROFS, 503)], ids=["full", "read-only"]
)
@pytest.mark.parametrize("write", ["put", "post", "update"])
def test_case_18_a_failing_disk_during_a_commit_changes_nothing(
    embedded: Service, code: int, status: int, write: str
) -> None:
    client = embedded.client
    client.put(f"/store?graph={GRAPH}", content=triples(100, "old"), headers=NT | WRITE)
    before = embedded.fingerprint()
    store: Any = embedded.store
    store._database = FailingDisk(
        store._database, lambda: OSError(code, os.strerror(code)), FAILING_WRITES
    )
    if write == "update":
        response = client.post(
            "/update",
            content=f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:x> <urn:p> 1 }} }}",
            headers={"Content-Type": "application/sparql-update"} | WRITE,
        )
    else:
        send = getattr(client, write)
        response = send(f"/store?graph={GRAPH}", content=triples(10, "new"), headers=NT | WRITE)
    body = problem_of(response, status)
    assert "changed nothing" in body["detail"] and os.strerror(code) in body["detail"]
    if isinstance(store._database, FailingDisk):
        store._database = (
            store._database._db
        )  # the disk is back (a bulk write reopened the store itself)
    assert embedded.fingerprint() == before
    assert _count(client.get) == 100


@pytest.mark.slow
def test_case_19_racing_uploads_both_apply_and_a_query_never_sees_between(
    service: Service,
) -> None:
    """Two uploads of 20k triples to one graph race a query loop, three times: every count
    the queries see is a state between whole writes (0, A, B or A+B), and both writes land."""
    seen: set[int] = set()
    for _ in range(3):
        service.client.delete(f"/store?graph={GRAPH}", headers=WRITE)
        counts, statuses = _race(service, triples(20_000, "a"), triples(20_000, "b"))
        seen |= counts
        assert sorted(statuses) == [201, 204], statuses
        assert _count(service.client.get) == 40_000
    assert seen <= {0, 20_000, 40_000}, sorted(seen)


ROUNDS = 25


@pytest.mark.slow
def test_racing_puts_to_a_new_graph_give_exactly_one_201(service: Service) -> None:
    """Item 17: two `PUT`s to a graph that does not exist yet, released together, 25 times:
    one created the graph (201), the other replaced it (204), never both 201. Whether a
    write creates its graph is decided under the lock the writes take in turn."""
    body = triples(2_000, "x")
    outcomes = [_put_race(service, f"urn:ex:race:{n}", body) for n in range(ROUNDS)]
    assert outcomes == [[201, 204]] * ROUNDS, outcomes


def _put_race(service: Service, graph: str, body: bytes) -> list[int]:
    """Two threads `PUT` the body to the graph, released by one barrier: their statuses."""
    start = threading.Barrier(2)
    statuses: list[int] = []

    def put() -> None:
        start.wait()
        answer = service.client.put(
            "/store", params={"graph": graph}, content=body, headers=NT | WRITE
        )
        statuses.append(answer.status_code)

    racers = [threading.Thread(target=put) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    return sorted(statuses)


def _race(service: Service, first: bytes, second: bytes) -> tuple[set[int], list[int]]:
    """POST both bodies at once while counting the graph in a loop: the counts seen and the
    statuses of the two uploads."""
    seen: set[int] = set()
    statuses: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.add(_count(service.client.get))

    def upload(body: bytes) -> None:
        response = service.client.post(f"/store?graph={GRAPH}", content=body, headers=NT | WRITE)
        statuses.append(response.status_code)

    watcher = threading.Thread(target=watch)
    writers = [threading.Thread(target=upload, args=(body,)) for body in (first, second)]
    watcher.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    stop.set()
    watcher.join(timeout=60)
    return seen, statuses
