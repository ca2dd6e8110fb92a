"""The SPARQL and RDF fuzzers (`benchmarks.fuzz`) against a live `triskel serve`, briefly.

`make bench` runs them for minutes; here both run at once, 40 cases each on a fixed seed, against
a fresh server with a 3 s query and validation timeout. The rule: no 500, no crash (no
connection lost, the process alive and `/health` 200 afterwards), no answer later than the
timeout plus a margin, and `/health` answering throughout. A breach is reported with the
exact request that caused it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import live
from benchmarks.fuzz.runner import run_live
from tests.hardening.conftest import Audit

SECONDS = 60
CASES = 40
"""Cases per fuzzer: a fixed count, so the inputs are the same whatever the machine's speed
(the time bound only stops a run that hangs); `make bench` runs them for minutes."""
SEED = 20261127


@pytest.mark.slow
def test_fuzzers_find_no_500_no_crash_no_hang(tmp_path: Path, audit: Audit) -> None:
    port = live.free_port()
    audit.ports.add(port)  # the live server is the test's own
    report = run_live(seconds=SECONDS, seed=SEED, most=CASES, folder=tmp_path, port=port)
    assert report.held, "\n".join(report.lines() + report.breaches)
    for name in ("sparql", "rdf"):
        tally = report.tallies[name]
        assert tally.cases >= 10, report.lines()
        assert 421 not in tally.statuses, "requests must reach their routes"
        assert tally.statuses[400] and any(200 <= s < 300 for s in tally.statuses), report.lines()
    assert report.health_polls >= 4, report.lines()
