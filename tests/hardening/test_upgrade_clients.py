"""Case 1 of the second hardening round: a request that offers an HTTP/2 upgrade keeps its body.

Java's built-in HTTP client (Jena's default) offers `Upgrade: h2c` on every cleartext request;
the server used to hand such a body to an upgrade it never made, so a Graph Store `PUT`
answered 204 and emptied the graph. Here the same requests go to a live `triskel serve`,
once as raw bytes (the exact headers of the report) and once from `java.net.http.HttpClient`
itself, compiled at test time; afterwards the store holds exactly what was sent.

Also here, since they need a live server too: request heads are bounded in size (a 400
past 64 KB) and in time (a connection whose headers never end is closed).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks import live
from benchmarks.live import LiveServer
from tests.hardening.conftest import Audit

JAVA_SOURCE = Path(__file__).resolve().parents[1] / "java" / "JavaClient.java"
GRAPH = "http://example.org/g"
TRIPLE = "<http://example.org/s> <http://example.org/p>"
TURTLE = b"<http://example.org/s> <http://example.org/p> 'one', 'two', 'three' .\n"
UPGRADE = (
    b"Connection: Upgrade, HTTP2-Settings\r\n"
    b"Upgrade: h2c\r\n"
    b"HTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAAAAAAQBAAAAAAUAAEAAAAYABgAA\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("upgrade")
    env = {"TRISKEL_STORE_PATH": str(folder / "store"), "TRISKEL_HEADER_TIMEOUT_S": "1"}
    running = live.start(["--open"], log=folder / "serve.log", env=env)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _own_port(server: LiveServer, audit: Audit) -> None:
    """The live server is this module's own: connections to it are expected."""
    audit.ports.add(server.port)


@pytest.fixture(scope="module")
def java_client(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs the compiled JavaClient, minus its arguments."""
    classes = tmp_path_factory.mktemp("java")
    subprocess.run(["javac", "-d", str(classes), str(JAVA_SOURCE)], check=True)
    return ["java", "-cp", str(classes), "JavaClient"]


def _raw(server: LiveServer, method: str, target: str, headers: bytes, body: bytes) -> bytes:
    """Send one HTTP/1.1 request as bytes and return the whole answer."""
    head = (
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + headers + b"\r\n" + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _objects(server: LiveServer) -> list[str]:
    query = f"SELECT ?o {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} ORDER BY ?o"
    answer = httpx.post(
        server.sparql,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    answer.raise_for_status()
    return [row["o"]["value"] for row in answer.json()["results"]["bindings"]]


def test_a_put_that_offers_h2c_stores_its_body(server: LiveServer) -> None:
    headers = UPGRADE + b"Content-Type: text/turtle\r\n"
    answer = _raw(server, "PUT", f"/store?graph={GRAPH}", headers, TURTLE)
    assert answer.split(b"\r\n", 1)[0] in (b"HTTP/1.1 201 Created", b"HTTP/1.1 204 No Content")
    assert _objects(server) == ["one", "three", "two"]


def test_an_update_that_offers_h2c_is_applied(server: LiveServer) -> None:
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {TRIPLE} 'four' }} }}"
    headers = UPGRADE + b"Content-Type: application/sparql-update\r\n"
    answer = _raw(server, "POST", "/update", headers, update.encode())
    assert answer.startswith(b"HTTP/1.1 204")
    assert "four" in _objects(server)


def test_an_upgrade_offer_is_answered_without_a_warning(server: LiveServer) -> None:
    """uvicorn warned twice ("Unsupported upgrade request." and a WebSocket hint) on each
    request offering h2c, which Java's client does on every request; its other lines stay."""
    logged = server.log.read_text()
    for _ in range(3):
        answer = _raw(server, "GET", "/health", UPGRADE, b"")
        assert answer.startswith(b"HTTP/1.1 200")
    _raw(server, "GET", "/health", b"Host: a second one\r\n", b"")  # a 400 uvicorn warns of
    deadline = time.monotonic() + 10
    new = ""
    while "Invalid HTTP request received." not in new and time.monotonic() < deadline:
        time.sleep(0.05)  # the log is written after the answers; the last warning ends it
        new = server.log.read_text()[len(logged) :]
    assert "Invalid HTTP request received." in new
    assert "upgrade" not in new.lower() and "WebSocket" not in new


def test_java_http_client_put_query_and_update(
    server: LiveServer, java_client: list[str], tmp_path: Path
) -> None:
    def java(method: str, url: str, media_type: str, body: bytes, accept: str = "*/*") -> str:
        sent = tmp_path / "body"
        sent.write_bytes(body)
        done = subprocess.run(
            [*java_client, method, url, media_type, str(sent), accept],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        status, version, text = done.stdout.split("\n", 2)
        assert version == "HTTP_1_1", "the server must answer on HTTP/1.1"
        return f"{status}\n{text}"

    put = java("PUT", f"{server.url}/store?graph={GRAPH}", "text/turtle", TURTLE)
    assert put.split("\n")[0] in ("201", "204")
    assert _objects(server) == ["one", "three", "two"]

    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {TRIPLE} 'java' }} }}"
    assert java("POST", server.update, "application/sparql-update", update.encode()) == "204\n"
    assert _objects(server) == ["java", "one", "three", "two"]

    query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    status, body = java(
        "POST",
        server.sparql,
        "application/sparql-query",
        query.encode(),
        "application/sparql-results+json",
    ).split("\n", 1)
    assert status == "200"
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "4"


def test_an_oversized_request_head_is_refused(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nX-Padding: " + b"a" * 70_000)  # head unfinished
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400")
    assert httpx.get(f"{server.url}/health").status_code == 200


def test_a_request_head_that_never_ends_is_closed(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        for _ in range(20):  # keep trickling: the deadline is for the whole head
            time.sleep(0.2)
            try:
                sock.sendall(b"a")
                if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                    break
            except BlockingIOError:
                continue
            except OSError:
                break
        closed_after = time.monotonic() - started
    assert closed_after < 3, f"the connection stayed open {closed_after:.1f} s"
