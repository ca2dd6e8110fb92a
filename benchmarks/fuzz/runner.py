"""Send the fuzzers' cases to a live server for a bounded time and check the rule.

The rule: no answer is a 500, the server never crashes (its process is alive and `/health`
answers 200 at the end, and no request loses its connection), and no request waits past the
budget (the query timeout plus a margin for queueing and serialisation). Each fuzzer runs in
its own thread, so queries, updates, uploads and validations meet each other as they would
from several clients; a third thread polls `/health` throughout and keeps its worst latency,
the figure that tells whether hostile work starves everyone else.

Every breach is kept with the exact request that caused it (`Case.describe`).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from benchmarks import live
from benchmarks.fuzz import Case, rdf, sparql

QUERY_TIMEOUT_S = 3.0
"""`TRISKEL_QUERY_TIMEOUT_S` (and the validation timeout) of the fuzzed server."""
MARGIN_S = 7.0
"""What an answer may take past the timeout: queueing behind the other fuzzer, killing a
worker, serialising."""
HEALTH_EVERY_S = 0.25

Breach = Literal["crash", "500", "late", "health"]


@dataclass
class Tally:
    """What one fuzzer sent and got back."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class Report:
    """The figures of one run and every breach of the rule, with its input."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    breaches: list[str] = field(default_factory=list)
    counts: Counter[Breach] = field(default_factory=Counter)
    health_polls: int = 0
    health_worst_s: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def breach(self, kind: Breach, text: str) -> None:
        """Note a breach of the rule and what caused it (the fuzzers' threads share this)."""
        with self._lock:
            self.counts[kind] += 1
            self.breaches.append(text)

    @property
    def held(self) -> bool:
        """True when the run kept the rule."""
        return not self.counts.total()

    def lines(self) -> list[str]:
        """The figures as printed by `make bench`."""
        out = []
        for name, tally in self.tallies.items():
            counts = ", ".join(f"{status}: {n}" for status, n in sorted(tally.statuses.items()))
            out.append(f"{name}: {tally.cases} cases ({counts})")
        out.append(
            f"crashes: {self.counts['crash']}; 500s: {self.counts['500']}; "
            f"answers past {QUERY_TIMEOUT_S + MARGIN_S:g} s: {self.counts['late']}; "
            f"/health: {self.health_polls} polls, {self.counts['health']} failed, "
            f"worst {self.health_worst_s:.2f} s"
        )
        return out


def _send(client: httpx.Client, case: Case) -> httpx.Response:
    headers = {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.accept is not None:
        headers["Accept"] = case.accept
    return client.request(case.method, case.path, content=case.body, headers=headers)


def _fuzz(
    url: str, name: str, stream: Iterator[Case], until: float, most: int, report: Report
) -> None:
    """Send cases from `stream` until the monotonic time `until` or `most` cases, noting every
    breach."""
    tally = report.tallies.setdefault(name, Tally())
    budget = QUERY_TIMEOUT_S + MARGIN_S
    with httpx.Client(base_url=url, timeout=budget) as client:
        while time.monotonic() < until and tally.cases < most:
            case = next(stream)
            tally.cases += 1
            start = time.monotonic()
            try:
                answer = _send(client, case)
            except httpx.TimeoutException:
                report.breach("late", f"no answer within {budget:g} s:\n{case.describe()}")
                continue
            except httpx.TransportError as exc:
                report.breach("crash", f"connection lost ({exc!r}):\n{case.describe()}")
                continue
            tally.statuses[answer.status_code] += 1
            if answer.status_code == 500:
                report.breach("500", f"500 {answer.text[:300]}\n{case.describe()}")
            elif time.monotonic() - start > budget:
                report.breach("late", f"answered after {budget:g} s:\n{case.describe()}")


def _watch(url: str, stop: threading.Event, report: Report) -> None:
    """Poll `/health` until `stop`, keeping the worst latency and counting failures."""
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.wait(HEALTH_EVERY_S):
            start = time.monotonic()
            try:
                status = client.get("/health").status_code
            except httpx.HTTPError:
                status = 0
            report.health_worst_s = max(report.health_worst_s, time.monotonic() - start)
            report.health_polls += 1
            if status != 200:
                report.breach("health", f"/health answered {status or 'nothing'}")


def _seed_store(url: str) -> None:
    """Load the example documents, so queries and validations have data to work on."""
    for doc in rdf.documents():
        if doc.syntax == "turtle":
            graph = f"urn:fuzz:example:{len(doc.data)}"
            answer = httpx.put(
                f"{url}/store", params={"graph": graph}, content=doc.data,
                headers={"Content-Type": doc.media_type}, timeout=60,
            )  # fmt: skip
            answer.raise_for_status()


def fuzz(url: str, *, seconds: float, seed: int, most: int = 10**9) -> Report:
    """Run both fuzzers at once against the server at `url` for `seconds`, or until each has
    sent `most` cases (a fixed count gives the same inputs on a fast or a slow machine)."""
    report = Report()
    until = time.monotonic() + seconds
    stop = threading.Event()
    streams = {"sparql": sparql.cases(seed), "rdf": rdf.cases(seed)}
    workers = [
        threading.Thread(target=_fuzz, args=(url, name, stream, until, most, report))
        for name, stream in streams.items()
    ]
    watcher = threading.Thread(target=_watch, args=(url, stop, report))
    watcher.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    watcher.join()
    return report


def run_live(
    *,
    seconds: float,
    seed: int,
    most: int = 10**9,
    folder: Path | None = None,
    port: int | None = None,
) -> Report:
    """Start `triskel serve --open` on a fresh store with short timeouts (in `folder`, on
    `port`, if given), fuzz it, check it is still alive and healthy, stop it."""
    with tempfile.TemporaryDirectory() as scratch:
        where = folder or Path(scratch)
        env = {
            "TRISKEL_STORE_PATH": str(where / "store"),
            "TRISKEL_QUERY_TIMEOUT_S": str(QUERY_TIMEOUT_S),
            "TRISKEL_VALIDATION_TIMEOUT_S": str(QUERY_TIMEOUT_S),
        }
        server = live.start(["--open"], log=where / "serve.log", env=env, port=port)
        try:
            _seed_store(server.url)
            report = fuzz(server.url, seconds=seconds, seed=seed, most=most)
            _check_alive(server, report)
        finally:
            server.stop()
    return report


def _check_alive(server: live.LiveServer, report: Report) -> None:
    """A crash is the process gone or `/health` not 200 after the run."""
    if server.process.poll() is not None:
        tail = server.log.read_text(errors="replace")[-2_000:]
        report.breach("crash", f"the server exited with {server.process.returncode}:\n{tail}")
        return
    try:
        status = httpx.get(f"{server.url}/health", timeout=QUERY_TIMEOUT_S + MARGIN_S).status_code
    except httpx.HTTPError:
        status = 0
    if status != 200:
        report.breach("crash", f"/health answered {status or 'nothing'} after the run")
