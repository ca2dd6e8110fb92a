"""A live `triskel serve` on a free loopback port, for benchmarks and live-server tests.

Benchmarks and tests that need a real server (real clients, SIGKILL, load) start it the same
way: `python -m service.cli serve` as a subprocess, polled on `/health` until it answers, and
stopped by PID. One launcher keeps them from drifting apart.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    """A running `triskel serve` process and where it answers."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    @property
    def update(self) -> str:
        return f"{self.url}/update"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` (SIGKILL to simulate a crash) and wait for the process to end."""
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start(
    args: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    timeout_s: float = 60,
    probe_s: float = 1,
) -> LiveServer:
    """Start `triskel serve --host 127.0.0.1 --port PORT ARGS` and wait until `/health` is 200.

    `env` is added to this process's environment; each probe of `/health` waits `probe_s`
    (a million-triple store counts its triples for it). Raises RuntimeError with the end of the log
    when the server exits or does not answer in time.
    """
    port = port or free_port()
    command = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), *args]
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=os.environ | dict(env or {}), stdout=sink, stderr=sink
        )
    server = LiveServer(f"http://127.0.0.1:{port}", port, process, log)
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"triskel serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=probe_s).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"triskel serve did not answer within {timeout_s:g} s")
