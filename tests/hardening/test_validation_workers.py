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
from dataclasses import replace
from pathlib import Path

import pytest

from service.reports.history import entries
from service.reports.snapshot import Snapshot
from service.reports.validations import Check, Options
from service.store.embedded import EmbeddedStore
from service.store.workers import Views
from service.validation.rdfio import Source
from tests.hardening.conftest import READ, WRITE, Service, problem_of

SH = "http://www.w3.org/ns/shacl#"
DATA = "".join(
    f'<http://e/s{i}> <http://e/q> <http://e/T> ; <http://e/p> "{i}" .\n' for i in range(100)
)
ARC = "<http://e/arc{}> a <https://w3id.org/social-business#Arc> .\n"
"""An arc with no ends: findings of R16 under the built-in rules."""
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


def test_a_view_is_read_once_while_it_is_the_stores_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validating an unchanged store again (other shapes, another severity) reads nothing
    from it; after a write, the new view is read, and the new data found."""
    reads: list[str | None] = []
    dump = Snapshot.of_memory.__func__  # type: ignore[attr-defined]

    def counted(
        cls: type[Snapshot], db: object, scope: str | None = None, *, analytics: bool = False
    ) -> Snapshot:
        reads.append(scope)
        return dump(cls, db, scope, analytics=analytics)  # type: ignore[no-any-return]

    monkeypatch.setattr(Snapshot, "of_memory", classmethod(counted))
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.load((DATA + ARC.format(1)).encode(), media_type="text/turtle", graph="urn:g:1")
        views = Views()
        check = Check(Options(), (), 1000, timeout_s=60, view=store._current_view())
        first, entry = check.run(views)
        tiny = (Source("tiny.ttl", TINY.encode(), "ttl"),)
        other, _ = replace(check, options=Options(builtin=False), posted_shapes=tiny).run(views)
        _, again = check.run(views)
        assert reads == [None]
        assert first.findings and not other.findings
        assert entry is not None and again is not None
        assert entry.fingerprint == again.fingerprint
        store.load(ARC.format(2).encode(), media_type="text/turtle", graph="urn:g:2")
        later, moved = replace(check, view=store._current_view()).run(views)
        assert reads == [None, None]
        assert len(later.findings) == 2 * len(first.findings)
        assert moved is not None and moved.fingerprint != entry.fingerprint
        views.close()
    finally:
        store.close()
