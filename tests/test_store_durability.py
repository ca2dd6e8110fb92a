"""Durability of the embedded store: SIGKILL in the middle of a load, then reopen.

A child process loads a large graph over a small one (`replace`), and is killed while it
writes. Reopening must find the whole old graph or the whole new one, and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.store.embedded import EmbeddedStore

GRAPH = "http://e/g"
OLD = 10
NEW = 300_000

CHILD = """
import sys
from pathlib import Path
from service.store.embedded import EmbeddedStore
store = EmbeddedStore(Path(sys.argv[1]), bulk_threshold=int(sys.argv[3]))
print("ready", flush=True)
store.load(open(sys.argv[2], "rb"), media_type="application/n-triples",
           graph="http://e/g", replace=sys.argv[4] == "replace")
print("done", flush=True)
"""


def nt(n: int, tag: str) -> bytes:
    return "".join(f'<http://e/s{i}> <http://e/p> "{tag}{i}" .\n' for i in range(n)).encode()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("durability") / "big.nt"
    path.write_bytes(nt(NEW, "new"))
    return path


def _wait_for(path: Path, seconds: float) -> None:
    """Until `path` exists (the journal mark of a bulk write in progress)."""
    end = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < end:
        time.sleep(0.005)


def _killed_load(store_path: Path, data: Path, *, threshold: int, mode: str, delay: float) -> str:
    """Run the child, SIGKILL it `delay` s after it starts writing; return its last line.

    A bulk write is known to have started when its journal mark appears.
    """
    command = [sys.executable, "-c", CHILD, str(store_path), str(data), str(threshold), mode]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        if threshold == 1:
            _wait_for(store_path.with_name("store.journal"), 20)
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        return child.stdout.read().strip()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("threshold", "mode", "delay"),
    [(1, "replace", 0.0), (1, "replace", 0.4), (10**9, "add", 1.5)],
    ids=["bulk-early", "bulk-late", "transaction"],
)
def test_sigkill_mid_load_leaves_old_or_new_state(
    tmp_path: Path, big_file: Path, threshold: int, mode: str, delay: float
) -> None:
    store_path = tmp_path / "store"
    store = EmbeddedStore(store_path)
    store.load(nt(OLD, "old"), media_type="application/n-triples", graph=GRAPH)
    store.close()
    last = _killed_load(store_path, big_file, threshold=threshold, mode=mode, delay=delay)
    reopened = EmbeddedStore(store_path)
    try:
        count = reopened.count(GRAPH)
        print(f"child said {last!r}; graph has {count} triples")
        expected_new = NEW if mode == "replace" else OLD + NEW
        assert count in (OLD, expected_new)
        if last != "done":
            assert reopened.ask("ASK { ?s ?p 'old0' }") == (count == OLD or mode == "add")
        assert not store_path.with_name("store.journal").exists()
    finally:
        reopened.close()
