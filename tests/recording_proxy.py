"""A loopback HTTP proxy in front of a remote engine that records every request it passes on.

Tests put it between the service and the engine to see what the service really sends (no
Graph Store download for `/health`, none for a validation pushed down to the engine).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


@dataclass
class Recording:
    """Where the proxy answers and the requests it has passed on: (method, path, query)."""

    base_url: str
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    def url(self, engine_url: str) -> str:
        """`engine_url` (an endpoint of the engine) as reached through the proxy."""
        parts = urlsplit(engine_url)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")


@contextlib.contextmanager
def recording_proxy(engine_base_url: str) -> Iterator[Recording]:
    """A proxy on a free loopback port forwarding to `engine_base_url`, stopped after."""
    client = httpx.Client(timeout=60)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(engine_base_url, client))
    recording = Recording(f"http://127.0.0.1:{server.server_address[1]}")
    server.recording = recording  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recording
    finally:
        server.shutdown()
        server.server_close()
        client.close()


def _handler(target: str, client: httpx.Client) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            parts = urlsplit(self.path)
            recording: Recording = self.server.recording  # type: ignore[attr-defined]
            recording.requests.append((self.command, parts.path, parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            answer = client.request(self.command, target + self.path, content=body, headers=headers)
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in _HOP and key.lower() != "content-encoding":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the recording is what the tests read."""

    return Forward
