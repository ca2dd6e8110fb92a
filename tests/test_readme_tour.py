"""The README's five-minute tour runs as printed against a live `triskel serve`.

The tour's shell block reads the server address from `T` (default the `make serve` one), so
this test runs the very block from README.md against a server on a free port, started as
`make serve` starts it (open dev mode, `data/example` loaded into an empty store).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from benchmarks import live
from benchmarks.live import LiveServer
from service.resources import DATA_DIR, ROOT
from tests.repo import readme_sh_block


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("tour")
    args = ["--open", "--load-if-empty", str(DATA_DIR / "example")]
    running = live.start(
        args, env={"TRISKEL_STORE_PATH": str(folder / "store")}, log=folder / "log"
    )
    yield running
    running.stop()


def test_the_readme_tour_runs_as_printed(server: LiveServer) -> None:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", readme_sh_block("## A five-minute tour")],
        cwd=ROOT,
        env=os.environ | {"T": server.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert '"status":"ok"' in out
    assert "https://example.org/larkspur/orderToDelivery,5" in out
    assert "https://example.org/larkspur/whatsapp,https://example.org/larkspur/privacyPolicy" in out
    assert "Validation does not conform: 16 violation(s), 8 warning(s), 1 info" in out
    assert "\n201\n" in out
    assert "0 new, 1 resolved, 24 still open" in out
    assert re.search(r"- R17 +warning +alba", out)
