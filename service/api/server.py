"""Serve the app over HTTP/1.1 with uvicorn, on the parser that keeps every request whole.

Why h11 and not uvicorn's faster httptools parser: Java's built-in HTTP client (the default of
Apache Jena's `RDFConnection`, `rsparql`, `rupdate`) sends `Connection: Upgrade, HTTP2-Settings`
and `Upgrade: h2c` on every cleartext request. llhttp, under httptools, stops parsing at the
end of such a request's headers and hands the rest of the stream to an upgrade that uvicorn
never performs, so the application saw an empty body: a Graph Store `PUT` answered 204 and
emptied the graph. h11 reads the body of an upgrade request like any other and leaves the
connection on HTTP/1.1 when the answer is not 101.

h11 also bounds what a client may send before its headers end (`MAX_HEADER_BYTES`, a 400
past it), and `HeaderTimeoutH11Protocol` closes a connection whose headers do not arrive in
`header_timeout_s`: a client trickling an endless header cannot hold memory or a connection.

uvicorn logs two warnings for every request that offers an upgrade it does not perform
(`Unsupported upgrade request.`, then a hint about WebSocket libraries); from Java's client
that is every request, so `UpgradeNoiseFilter` drops exactly those two messages.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.api.collector import FrozenSurvivors

MAX_HEADER_BYTES = 64 * 1024
"""Most bytes of a request line plus headers (nginx's default large buffers hold 32 KB)."""
SHUTDOWN_GRACE_S = 5
"""How long SIGTERM waits for answers in progress before cancelling them; the store then
closes, which stops the query workers still computing (a stop never waits for a query's
whole budget)."""


UPGRADE_WARNINGS = frozenset(
    {
        "Unsupported upgrade request.",
        "No supported WebSocket library detected. Please use \"pip install 'uvicorn[standard]'\", "
        "or install 'websockets' or 'wsproto' manually.",
    }
)
"""What uvicorn's h11 protocol logs for an upgrade it does not perform. The service answers
such a request on HTTP/1.1 as it should, and serves no WebSocket, so neither says anything."""


class UpgradeNoiseFilter(logging.Filter):
    """Drops uvicorn's `UPGRADE_WARNINGS` and lets every other record through.

    >>> noise = UpgradeNoiseFilter()
    >>> noise.filter(logging.makeLogRecord({"msg": "Unsupported upgrade request."}))
    False
    >>> noise.filter(logging.makeLogRecord({"msg": "Invalid HTTP request received."}))
    True
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in UPGRADE_WARNINGS


def quiet_upgrade_warnings() -> None:
    """Install `UpgradeNoiseFilter` on the logger uvicorn's protocols warn on (once).

    uvicorn's logging setup adds handlers and levels to that logger but keeps its filters, so
    this may run before `uvicorn.run`."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, UpgradeNoiseFilter) for f in logger.filters):
        logger.addFilter(UpgradeNoiseFilter())


class HeaderTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers.

    The timer is armed when the connection opens and after each answer, and disarmed as soon
    as a whole request head has been parsed; a body in progress is not timed here.
    """

    header_timeout_s = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        """Close a connection that is still waiting for a request head."""
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_timer()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._arm_header_timer()  # before super(), which may parse a pipelined request
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)


def run(app: Any, *, host: str, port: int, access_log: bool, header_timeout_s: float) -> None:
    """Serve `app` until SIGINT/SIGTERM (blocks), this process's full garbage collections
    walking only what is new (`collector.FrozenSurvivors`)."""
    quiet_upgrade_warnings()
    FrozenSurvivors().install()
    protocol = type(
        "TriskelH11Protocol", (HeaderTimeoutH11Protocol,), {"header_timeout_s": header_timeout_s}
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=protocol,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        log_level="info",
        access_log=access_log,
    )
