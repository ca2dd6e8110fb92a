"""Item 5 of issue 9, the validation side: a validation past its budget stops using CPU.

Validations run in worker processes (`service.reports.validations`). Before, a pySHACL
validation past `TRISKEL_VALIDATION_TIMEOUT_S` answered 503 but its thread kept a core
busy until pySHACL ended on its own (minutes for the shape below). Now its worker is killed
at the budget, and the next validation gets a fresh one. And a validation of the embedded
store reads a view of it in place: its fingerprint is the one an export would give.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from service.reports.history import entries
from service.reports.snapshot import Snapshot
from tests.hardening.conftest import READ, WRITE, Service, problem_of

SH = "http://www.w3.org/ns/shacl#"
DATA = "".join(
    f'<http://e/s{i}> <http://e/q> <http://e/T> ; <http://e/p> "{i}" .\n' for i in range(100)
)
PRODUCT = "SELECT $this WHERE { $this ?p ?o . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""200 triples to the fourth power: billions of rows for rdflib, far past any budget."""
TINY = f"@prefix sh: <{SH}> . <http://e/S> a sh:NodeShape ; sh:targetNode <http://e/s1> .\n"
"""A shape that compiles at once: a validation a fresh worker answers within a second."""
SHAPES = (
    f"@prefix sh: <{SH}> . @prefix ex: <http://e/> .\n"
    f'ex:S a sh:NodeShape ; sh:targetNode ex:s1 ; sh:sparql [ sh:select "{PRODUCT}" ] .\n'
)


def _alive(pid: int) -> bool:
    """True while the process exists (the fork server reaps its killed workers)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _worker_pids(service: Service) -> set[int]:
    pool = service.client.app.state.validator.pool  # type: ignore[attr-defined]
    return {w.process.pid for w in pool._workers if w.process.pid is not None}


def test_a_validation_past_its_budget_stops_using_cpu(
    make_embedded: Callable[..., Service],
) -> None:
    service = make_embedded(validation_timeout_s=5)
    before = service.fingerprint()
    files = {"data": ("d.nt", DATA, "text/turtle"), "shapes": ("s.ttl", SHAPES, "text/turtle")}
    started = time.monotonic()
    answer = service.client.post(
        "/validate?engine=pyshacl&no_builtin=true", files=files, headers=READ
    )
    body = problem_of(answer, 503)
    assert "TRISKEL_VALIDATION_TIMEOUT_S" in body["detail"]
    assert time.monotonic() - started < 10
    # the worker that ran it is gone: none is left alive, within a bounded time
    deadline = time.monotonic() + 5
    while _worker_pids(service) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _worker_pids(service), "the pool still counts the stopped worker"
    assert service.fingerprint() == before
    # and a new worker answers the next validation
    files["shapes"] = ("s.ttl", TINY, "text/turtle")
    again = service.client.post("/validate?no_builtin=true", files=files, headers=READ)
    assert again.status_code == 200
    assert _worker_pids(service)


def test_the_killed_worker_process_is_gone(make_embedded: Callable[..., Service]) -> None:
    """The process itself, seen from the system, not only the pool's books."""
    service = make_embedded(validation_timeout_s=5)
    files = {"data": ("d.nt", DATA, "text/turtle"), "shapes": ("s.ttl", SHAPES, "text/turtle")}
    tiny = files | {"shapes": ("s.ttl", TINY, "text/turtle")}
    warm = service.client.post("/validate?no_builtin=true", files=tiny, headers=READ)
    assert warm.status_code == 200
    (pid,) = _worker_pids(service)
    answer = service.client.post(
        "/validate?engine=pyshacl&no_builtin=true", files=files, headers=READ
    )
    problem_of(answer, 503)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the validation's worker kept computing past its budget"


def test_a_store_validation_reads_the_store_in_place(embedded: Service) -> None:
    """The kept report's fingerprint is the one the exported snapshot gives."""
    data = DATA + "_:b <http://e/p> _:c .\n_:c <http://e/p> _:b .\n"
    for graph in ("urn:g:1", "urn:g:2"):
        put = embedded.client.put(
            f"/store?graph={graph}",
            content=data,
            headers={"Content-Type": "text/turtle"} | WRITE,
        )
        assert put.status_code in (201, 204)
    answer = embedded.client.post("/validate", headers=WRITE)
    assert answer.status_code == 200
    (entry,), _ = entries(embedded.store)
    assert entry.fingerprint == Snapshot.of_store(embedded.store).fingerprint()
