"""Case 5 of the second hardening round: SIGTERM stops a server whose queries still compute.

A `COUNT(*)` over a cartesian product computes for minutes before its one answer. The server
used to wait for it on SIGTERM (only SIGKILL stopped it); now answers in progress get a
short grace, the store closes and its query workers are stopped with it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from benchmarks import live
from service.api.server import SHUTDOWN_GRACE_S
from tests.hardening.conftest import Audit

COUNT_PRODUCT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
DATA = "".join(f'<urn:s{i}> <urn:p> "{i}" .\n' for i in range(300))


@pytest.mark.slow
def test_sigterm_stops_a_server_in_the_middle_of_a_long_query(tmp_path: Path, audit: Audit) -> None:
    env = {"TRISKEL_STORE_PATH": str(tmp_path / "store"), "TRISKEL_QUERY_TIMEOUT_S": "600"}
    port = live.free_port()
    audit.ports.add(port)
    server = live.start(["--open"], log=tmp_path / "serve.log", env=env, port=port)
    try:
        put = httpx.put(
            f"{server.url}/store?graph=urn:g",
            content=DATA,
            headers={"Content-Type": "application/n-triples"},
        )
        assert put.status_code == 201

        def ask() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(server.sparql, data={"query": COUNT_PRODUCT}, timeout=120)

        threading.Thread(target=ask, daemon=True).start()
        time.sleep(1.5)  # the query is computing in a worker
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=60)
        stopped_after = time.monotonic() - started
    finally:
        server.stop(signal.SIGKILL)
    assert stopped_after < SHUTDOWN_GRACE_S + 10, f"SIGTERM took {stopped_after:.1f} s"
