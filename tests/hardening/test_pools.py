"""Item 5 of issue 9, the thread side: one client's validations cannot starve `/health`.

40 parallel `POST /validate` from a read token used to take every thread of the shared pool
(`/health` 7.8-44 s). Now validations have their own few places and a short queue (503 with
`Retry-After` beyond it), and `/health` its own threads.

Measured on the 2 shared cores of the development machine (load average 10-13 from other
work): before, `/health` took up to 111 s (median 0.16 s) while 40 validations all ran;
now at most 0.99-1.5 s (median 0.07 s), 10 validations run and 30 are refused at once. The
two validation threads still contend for the GIL with the event loop, so the bound asserted
is 1 s for 95 % of the probes and 3 s for the worst.

The validations ask for the pySHACL engine: a validation with the built-in rules is built
from the live findings in milliseconds, and most of the 40 would pass before the others
arrive; a worker's validation holds its place as long as a slow one does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from benchmarks.live import LiveServer
from service.api.pools import Admission
from service.errors import LimitExceededError
from tests.hardening.conftest import READ, REPO, Audit, start_live

PARALLEL = 40


@pytest.fixture
def live(tmp_path: Path, audit: Audit) -> Iterator[LiveServer]:
    seed = ["--load-if-empty", str(REPO / "data" / "example")]
    timeout = {"TRISKEL_VALIDATION_TIMEOUT_S": "300"}  # a loaded machine: the queued ones finish
    server = start_live(tmp_path, audit, seed, timeout)
    yield server
    server.stop()


@pytest.mark.slow
def test_forty_parallel_validations_leave_health_under_a_second(live: LiveServer) -> None:
    statuses: list[int] = []
    retry_after: list[str | None] = []

    def validate() -> None:
        with httpx.Client(base_url=live.url, timeout=330) as client:
            answer = client.post("/validate", headers=READ, params={"engine": "pyshacl"})
        statuses.append(answer.status_code)
        retry_after.append(answer.headers.get("Retry-After"))

    callers = [threading.Thread(target=validate) for _ in range(PARALLEL)]
    for caller in callers:
        caller.start()
    took: list[float] = []
    end = time.monotonic() + 330
    with httpx.Client(base_url=live.url, timeout=30) as client:
        while any(c.is_alive() for c in callers) and time.monotonic() < end:
            started = time.monotonic()
            assert client.get("/health").status_code == 200
            took.append(time.monotonic() - started)
            time.sleep(0.1)
    for caller in callers:
        caller.join(timeout=330)
    assert len(statuses) == PARALLEL and set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 1 and statuses.count(503) >= PARALLEL - 10, statuses
    assert all(r for s, r in zip(statuses, retry_after, strict=True) if s == 503)
    took.sort()
    assert took[int(len(took) * 0.95)] < 1.0 and took[-1] < 3.0, took[-5:]


def test_an_abandoned_validation_holds_its_place_until_its_thread_ends() -> None:
    admission = Admission(workers=1, queue=0)
    release = threading.Event()

    async def scenario() -> None:
        with pytest.raises(TimeoutError), anyio.fail_after(0.2):
            await admission.run(lambda: release.wait(30))
        assert admission.in_flight == 1, "the thread still computes: its place is taken"
        with pytest.raises(LimitExceededError, match="too many validations"):
            await admission.run(lambda: True)
        release.set()
        with anyio.fail_after(10):
            while admission.in_flight:
                await anyio.sleep(0.01)
        assert await admission.run(lambda: True) is True

    anyio.run(scenario)


def test_at_most_workers_compute_at_once() -> None:
    admission = Admission(workers=2, queue=4)
    lock = threading.Lock()
    running, peak = [0], [0]

    def work() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    async def scenario() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(admission.run, work)

    anyio.run(scenario)
    assert peak[0] == 2 and admission.in_flight == 0
