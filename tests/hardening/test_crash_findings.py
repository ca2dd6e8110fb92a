"""SIGKILL between a write and its findings update: after the restart, the live findings equal
a full validation of what the store holds.

A live `triskel serve` takes a write that opens thousands of findings, so that the findings
update after the data write takes a while; the test watches the store through `/sparql` and
SIGKILLs the server as soon as the data is visible, which lands between the two. The
restarted server finds no stamp on the maintained state (`service.findings.saved`) and
rebuilds it once, from the data as the crash left it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.live import LiveServer, free_port, start
from service.findings import quads_of
from service.reports.as_json import to_dict
from service.settings import Settings
from service.store import open_store
from service.validation import validate
from service.validation.prepare import PreparedData
from tests.hardening.conftest import Audit

SB = "https://w3id.org/social-business#"
ASK = "ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
RESULTS = {"Accept": "application/sparql-results+json"}
REBUILT = "rebuilding it once"


def lone_conversations(count: int, tag: str) -> bytes:
    """Conversations with no participant, tool or practice: R13 fires on each."""
    return "".join(
        f"<urn:crash:{tag}:c{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        f"<{SB}Conversation> .\n"
        for i in range(count)
    ).encode()


def _serve(store: Path, log: Path, audit: Audit) -> LiveServer:
    port = free_port()
    audit.ports.add(port)
    return start(["--open"], env={"TRISKEL_STORE_PATH": str(store)}, log=log, port=port)


def _keys(results: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["rule"], r["severity"], r["focus"], r["value"], r["path"]) for r in results}


def _visible(server: LiveServer, graph: str) -> bool:
    answer = httpx.get(
        server.sparql, params={"query": ASK.format(graph=graph)}, headers=RESULTS, timeout=10
    )
    return answer.status_code == 200 and bool(answer.json()["boolean"])


def _put_ignoring_disconnect(server: LiveServer, graph: str, body: bytes) -> None:
    with contextlib.suppress(httpx.TransportError):
        httpx.put(
            f"{server.url}/store",
            params={"graph": graph},
            content=body,
            headers={"Content-Type": "application/n-triples"},
            timeout=120,
        )


def full_validation(store: Path) -> set[tuple[Any, ...]]:
    """The keys of a full validation of the store's validated graphs (the server stopped)."""
    opened = open_store(Settings(store_path=store))
    try:
        report = validate(PreparedData.from_quads(quads_of(opened)))
    finally:
        opened.close()
    return _keys(to_dict(report)["results"])


@pytest.mark.slow
def test_sigkill_between_a_write_and_its_findings_update(tmp_path: Path, audit: Audit) -> None:
    store, log = tmp_path / "store", tmp_path / "serve.log"
    hits = 0
    for attempt in range(3):
        server = _serve(store, log, audit)
        graph = f"urn:crash:{attempt}"
        writer = threading.Thread(
            target=_put_ignoring_disconnect,
            args=(server, graph, lone_conversations(1_500, str(attempt))),
        )
        writer.start()
        end = time.monotonic() + 120
        while not _visible(server, graph) and time.monotonic() < end:
            time.sleep(0.005)
        server.stop(signal.SIGKILL)
        writer.join(timeout=60)
        logged = log.read_text().count(REBUILT)
        server = _serve(store, log, audit)
        try:
            hits += log.read_text().count(REBUILT) - logged
            assert _visible(server, graph), "the write was committed before the kill"
            found = httpx.get(f"{server.url}/findings", params={"limit": 100_000}, timeout=120)
            assert found.status_code == 200, found.text
        finally:
            server.stop()
        assert _keys(found.json()["results"]) == full_validation(store)
        if hits:
            break
    assert hits >= 1, "no kill landed between a data write and its findings update"
