"""Queries from outside run in worker processes (`service.store.workers`).

What threads could not do: a query past its budget stops using CPU (its worker is killed),
a query that crashes the engine or allocates past the ceiling costs one worker and not the
service, and the pool is bounded. And what must stay true: a query sees every write made
before it, errors reach the caller as they were raised, and views do not pile up on disk.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from service.errors import (
    InputError,
    LimitExceededError,
    NotAcceptableError,
    QuerySyntaxError,
)
from service.store.embedded import EmbeddedStore
from service.store.workers import Job

JSON = "application/sparql-results+json"
NT = "application/n-triples"
COUNT_PRODUCT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""27 million rows over 300 triples, counted before the first (only) answer: the engine
computes for far longer than the budget and never hands control back."""


def nt(n: int) -> bytes:
    return "".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(n)).encode()


def _cpu_ticks(pid: int) -> int:
    """User plus system clock ticks a live process has used (fields 14 and 15 of stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}/stat").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:1]
    )


def _worker_pids(store: EmbeddedStore) -> set[int]:
    return {w.process.pid for w in store.workers._workers if w.process.pid is not None}


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    opened = EmbeddedStore(tmp_path / "store", query_timeout_s=1.0, query_workers=2)
    opened.load(nt(300), media_type=NT, graph="http://e/g")
    yield opened  # type: ignore[misc]
    opened.close()


def test_queries_past_their_budget_stop_using_cpu(store: EmbeddedStore) -> None:
    store.query("ASK {}", accept=JSON)  # a warm worker
    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(store.query, COUNT_PRODUCT, accept=JSON) for _ in range(4)]
        time.sleep(0.5)
        busy = _worker_pids(store)
        errors = [f.exception(timeout=30) for f in running]
    assert all(isinstance(e, LimitExceededError) for e in errors), errors
    assert busy and not any(_alive(pid) for pid in busy), "a timed-out query kept computing"
    started = time.monotonic()
    answer = store.query("ASK { ?s ?p '7' }", accept=JSON)
    assert b"true" in answer.body and time.monotonic() - started < 2
    idle = _worker_pids(store)
    before = {pid: _cpu_ticks(pid) for pid in idle}
    time.sleep(0.5)
    assert all(_cpu_ticks(pid) - ticks <= 2 for pid, ticks in before.items())


def test_a_query_that_crashes_the_engine_costs_one_worker(store: EmbeddedStore) -> None:
    """Past the text checks (sent to the pool directly), 50,000 nested groups overflow the
    engine's stack: the worker dies of it, the caller hears why, the next query is served."""
    deep = "SELECT * WHERE " + "{" * 50_000 + "}" * 50_000
    job = replace(store._job("query", deep, accept=JSON), view=store._current_view(), timeout_s=30)
    with pytest.raises(InputError, match=r"stopped the engine \(signal SIGSEGV\)"):
        store.workers.run(job)
    assert b"true" in store.query("ASK { ?s ?p '7' }", accept=JSON).body


def test_an_allocation_past_the_ceiling_costs_one_worker(tmp_path: Path) -> None:
    """REPLACE with an empty pattern puts the replacement between every character: 100k by
    100k characters is a 10 GB string, far past a 512 MB ceiling."""
    store = EmbeddedStore(tmp_path / "store", query_memory_mb=512, query_timeout_s=20)
    try:
        store.load(b'<urn:s> <urn:p> "' + b"x" * 100_000 + b'" .', media_type=NT, graph="urn:g")
        huge = "SELECT (STRLEN(REPLACE(?o, '', ?o)) AS ?n) { ?s ?p ?o }"
        job = replace(store._job("query", huge, accept=JSON), view=store._current_view())
        with pytest.raises(InputError, match="stopped the engine"):
            store.workers.run(job)
        assert b"true" in store.query("ASK { ?s ?p ?o }", accept=JSON).body
    finally:
        store.close()


def test_the_pool_is_bounded(store: EmbeddedStore) -> None:
    store.query("ASK {}", accept=JSON)
    with ThreadPoolExecutor(6) as pool:
        running = [pool.submit(store.query, COUNT_PRODUCT, accept=JSON) for _ in range(6)]
        time.sleep(0.3)
        assert len(_worker_pids(store)) <= store.workers.size
        errors = [f.exception(timeout=30) for f in running]
    messages = {str(e) for e in errors}
    assert all(isinstance(e, LimitExceededError) for e in errors)
    assert any("workers stayed busy" in m for m in messages), messages


def test_errors_reach_the_caller_as_raised(store: EmbeddedStore) -> None:
    with pytest.raises(QuerySyntaxError, match="SPARQL syntax"):
        store.query("SELECT * WHERE { ?s ?p }", accept=JSON)
    with pytest.raises(NotAcceptableError):
        store.query("ASK {}", accept="text/turtle")
    assert b"true" in store.query("ASK {}", accept=JSON).body


def test_a_query_sees_every_earlier_write_and_views_do_not_pile_up(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    for i in range(12):
        store.load(f'<urn:s> <urn:n> "{i}" .'.encode(), media_type=NT, graph=f"urn:w{i}")
        answer = store.query(f"ASK {{ GRAPH <urn:w{i}> {{ <urn:s> <urn:n> '{i}' }} }}", accept=JSON)
        assert b"true" in answer.body, f"write {i} not seen"
        views = list(tmp_path.glob("store.view-*"))
        assert len(views) <= store.workers.size + 1
    store.delete_graph("urn:w3")
    assert b"false" in store.query("ASK { GRAPH <urn:w3> { ?s ?p ?o } }", accept=JSON).body
    store.close()
    assert not list(tmp_path.glob("store.view-*"))


def test_a_job_names_its_view() -> None:
    job = Job("", "ask", "ASK {}", 10, 1.0)
    assert replace(job, view="v").view == "v" and job.view == ""


def test_a_view_waited_for_is_not_deleted_by_later_writes(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    """A task may wait for a free worker while writes take newer views: the view it was
    given stays on disk until it is done, and goes at the next view after that."""
    with store._pinned_view() as pinned:
        store.load(b"<urn:s> <urn:p> <urn:o> .", media_type=NT, graph="urn:later")
        assert store._current_view() != pinned
        assert Path(pinned).is_dir(), "a view a task waits to read was deleted"
    store.load(b"<urn:s> <urn:p> <urn:o2> .", media_type=NT, graph="urn:later")
    store._current_view()
    assert not Path(pinned).exists()


PRODUCT_UPDATE = (
    "INSERT { GRAPH <urn:x> { ?a ?b ?c } } WHERE { GRAPH ?x { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }"
)


def test_an_update_past_its_budget_is_stopped_and_leaves_nothing(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    """The trial's worker is killed at the update budget (which defaults to the query
    budget); neither the store nor its folder keeps anything of it."""
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="TRISKEL_UPDATE_TIMEOUT_S"):
        store.update(PRODUCT_UPDATE)
    assert time.monotonic() - started < store.update_timeout_s + 5
    assert store.update_timeout_s == store.query_timeout_s
    assert store.graphs() == ["http://e/g"] and store.count("http://e/g") == 300
    assert not list(tmp_path.glob("store.view-update-*"))
    store.update("DELETE WHERE { GRAPH <http://e/g> { <http://e/s1> ?p ?o } }")
    assert store.count("http://e/g") == 299


def test_only_an_update_that_evaluates_a_pattern_is_tried(store: EmbeddedStore) -> None:
    store.update("INSERT DATA { GRAPH <urn:d> { <urn:s> <urn:p> 1 } } ; DROP GRAPH <urn:d>")
    assert not store.update_workers._workers
    store.update(
        "INSERT { GRAPH <urn:d> { ?s <urn:q> 2 } } WHERE { GRAPH <http://e/g> { ?s ?p '7' } }"
    )
    assert len(store.update_workers._workers) == 1 and store.count("urn:d") == 1
