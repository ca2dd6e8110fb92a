"""Item 5 of the second hardening issue, for updates: an update past its budget stops.

An update that evaluates a pattern held the store's write lock for as long as it computed
(minutes for a three-way product; every other write waited behind it), and an allocation
blow-up inside one killed the server. Each case below is now tried first in a worker process
that is killed at `TRISKEL_UPDATE_TIMEOUT_S` (503) or at the memory ceiling (400): the store
is unchanged, the worker's CPU is free, and a small write waiting behind it goes through.
Guarded updates (`?guard=violation`) are bounded the same way, before the guard's own trial.

The remote store is not run here: Oxigraph server has no update timeout (its `--timeout-s`
bounds queries only), so a runaway would keep the shared test server busy after its 503.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from service.store.embedded import EmbeddedStore
from tests.hardening.conftest import WRITE, Service, data_lines, problem_of

UPDATE = {"Content-Type": "application/sparql-update"} | WRITE
BUDGET_S = 1.0
SLACK_S = 5.0
"""Time the answer may take past the budget on a busy 2-core machine (the kill itself and
the worker's respawn take milliseconds)."""
DATA = "".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(300))
"""300 triples: any three-way product over them is 27 million rows."""
VALUES = " ".join(str(i) for i in range(1_000))

RUNAWAYS = {
    "insert-where-product": "INSERT { GRAPH <urn:x:h> { ?a ?b ?c } } "
    "WHERE { GRAPH ?x { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }",
    "delete-where-product": "DELETE WHERE { GRAPH <urn:x:g> { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }",
    "modify-using-product": "DELETE { GRAPH <urn:x:g> { ?a ?b ?c } } USING <urn:x:g> "
    "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "values-on-no-data": f"INSERT {{ GRAPH <urn:x:h> {{ <urn:x:s> <urn:x:p> ?a }} }} WHERE "
    f"{{ VALUES ?a {{ {VALUES} }} VALUES ?b {{ {VALUES} }} VALUES ?c {{ {VALUES} }} }}",
    "second-operation": "INSERT DATA { GRAPH <urn:x:h> { <urn:x:s> <urn:x:p> 1 } } ; "
    "INSERT { GRAPH <urn:x:h> { ?a ?b ?c } } WHERE { GRAPH ?x { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }",
}
"""Each computes for minutes without a bound; `values-on-no-data` needs no data at all (it ran
away in the syntax check too, which ran updates on an empty store)."""


@pytest.fixture
def loaded(make_embedded: Callable[..., Service]) -> Service:
    service = make_embedded(update_timeout_s=BUDGET_S)
    response = service.client.put(
        "/store?graph=urn:x:g",
        content=DATA,
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    assert response.status_code == 201, response.text
    return service


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


def _timed(call: Callable[[], object]) -> Callable[[], tuple[object, float]]:
    def run() -> tuple[object, float]:
        started = time.monotonic()
        return call(), time.monotonic() - started

    return run


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, killed and not yet reaped, counts as gone)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        os.kill(pid, 0)
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def _update_worker_pids(service: Service) -> set[int]:
    store = service.store
    assert isinstance(store, EmbeddedStore)
    return {w.process.pid for w in store.update_workers._workers if w.process.pid is not None}


def _busy_update_worker(service: Service) -> set[int]:
    """The update worker's pid, once the update has reached it (its first start takes a
    second or two)."""
    deadline = time.monotonic() + 10
    while not (pids := _update_worker_pids(service)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return pids


@pytest.mark.parametrize("guard", ["", "?guard=violation"], ids=["plain", "guarded"])
@pytest.mark.parametrize("case", sorted(RUNAWAYS))
def test_a_runaway_update_is_a_503_within_its_budget_and_a_waiting_write_goes_through(
    loaded: Service, pool: ThreadPoolExecutor, case: str, guard: str
) -> None:
    before = sorted(data_lines(loaded.store))  # the waiting write moves the stamp's time
    client = loaded.client
    runaway: Future[tuple[object, float]] = pool.submit(
        _timed(lambda: client.post(f"/update{guard}", content=RUNAWAYS[case], headers=UPDATE))
    )
    workers = _busy_update_worker(loaded)  # the runaway holds the write lock now
    small = "INSERT DATA { GRAPH <urn:x:k> { <urn:x:a> <urn:x:b> 1 } }"
    waiting = pool.submit(_timed(lambda: client.post("/update", content=small, headers=UPDATE)))
    response, took = runaway.result(timeout=60)
    body = problem_of(response, 503)
    assert "TRISKEL_UPDATE_TIMEOUT_S" in body["detail"]
    assert took < BUDGET_S + SLACK_S
    assert workers and not any(_alive(pid) for pid in workers), "the update kept computing"
    written, waited = waiting.result(timeout=60)
    assert written.status_code == 204, written.text  # type: ignore[attr-defined]
    assert waited < BUDGET_S + SLACK_S
    client.post("/update", content="DROP GRAPH <urn:x:k>", headers=UPDATE)
    assert sorted(data_lines(loaded.store)) == before


def test_an_allocation_blow_up_in_an_update_is_a_400_and_changes_nothing(
    make_embedded: Callable[..., Service],
) -> None:
    """REPLACE with an empty pattern puts the replacement between every character: 100k by
    100k is a 10 GB string, far past a 256 MB ceiling (in the server, it killed the process)."""
    service = make_embedded(update_timeout_s=20, query_memory_mb=256)
    literal = b'<urn:x:s> <urn:x:p> "' + b"x" * 100_000 + b'" .\n'
    put = service.client.put(
        "/store?graph=urn:x:g",
        content=literal,
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    assert put.status_code == 201, put.text
    before = service.fingerprint()
    huge = (
        "INSERT { GRAPH <urn:x:h> { ?s ?p ?n } } "
        "WHERE { GRAPH <urn:x:g> { ?s ?p ?o BIND(STRLEN(REPLACE(?o, '', ?o)) AS ?n) } }"
    )
    body = problem_of(service.client.post("/update", content=huge, headers=UPDATE), 400)
    assert "stopped the engine" in body["detail"]
    assert service.fingerprint() == before
    small = "INSERT DATA { GRAPH <urn:x:k> { <urn:x:a> <urn:x:b> 1 } }"
    assert service.client.post("/update", content=small, headers=UPDATE).status_code == 204


def test_an_update_that_finishes_in_its_trial_is_applied_once(loaded: Service) -> None:
    """The trial changes nothing of its own: a modify that adds a triple per match adds them
    once, and an update failing by SPARQL Update's rules in its trial is the same 400."""
    client = loaded.client
    modify = (
        "INSERT { GRAPH <urn:x:g> { ?s <http://e/q> ?o } } "
        "WHERE { GRAPH <urn:x:g> { ?s <http://e/p> ?o FILTER(?o IN ('1', '2')) } }"
    )
    assert client.post("/update", content=modify, headers=UPDATE).status_code == 204
    assert loaded.store.count("urn:x:g") == 302
    before = loaded.fingerprint()
    failing = "DELETE WHERE { GRAPH <urn:x:g> { ?s ?p ?o } } ; DROP GRAPH <urn:x:absent>"
    body = problem_of(client.post("/update", content=failing, headers=UPDATE), 400)
    assert body["type"].endswith("#operation-failed")
    assert loaded.fingerprint() == before
