"""Cases 2 and 2b of the second hardening round: one process owns a store, and a validation
reads one state of it.

2. A process that opened the store while another was in the middle of a bulk write used to
   run crash recovery first, which put the other's checkpoint in place of the live folder:
   a store that never opened again, or a load reported done and then gone. Here an owner
   process is stopped in the middle of a bulk write (its journal mark on disk, half the new
   data written) while `triskel query`, `triskel load` and `triskel serve` try the same
   folder: each is refused with one line and exit 2, and nothing on disk moves. Killed
   then, the owner leaves a store that the next process recovers (under the lock) to the
   whole old state.
2b. A whole-store snapshot is read from one state: a graph deleted while it is being taken
   is still in it, whole.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.live import ROOT, free_port
from service.errors import StoreError
from service.reports.snapshot import Snapshot
from service.store.embedded import EmbeddedStore

NT = "application/n-triples"
GRAPH = "http://example.org/g"

OWNER = """
import sys, time
from pathlib import Path
from pyoxigraph import NamedNode, RdfFormat
from service.store.embedded import EmbeddedStore
store = EmbeddedStore(Path(sys.argv[1]))
store.load(b"<urn:s> <urn:p> 'old' .", media_type="text/turtle", graph="urn:g")
store._journal.begin(store._db)  # a bulk replace under way: mark written, old graph dropped,
store._db.remove_graph(NamedNode("urn:g"))  # half of the new data in
store._db.bulk_load(b"<urn:s> <urn:p> 'half' .", RdfFormat.TURTLE, to_graph=NamedNode("urn:g"))
store._db.flush()
print("writing", flush=True)
time.sleep(600)
"""


def _state(folder: Path) -> tuple[int, bool]:
    """The store folder's inode (recovery replaces the folder) and whether the owner's journal
    checkpoint is still in place (recovery consumes it)."""
    return folder.stat().st_ino, folder.with_name("store.journal").joinpath("checkpoint").is_dir()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_process_is_refused_while_a_bulk_write_runs(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    data = tmp_path / "more.nt"
    data.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    command = [sys.executable, "-c", OWNER, str(folder)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as owner:
        try:
            assert owner.stdout is not None and owner.stdout.readline() == "writing\n"
            before = _state(folder)
            assert before[1], "the owner's bulk write is not under way"
            attempts = [
                _cli("query", "ASK {}", "--store", str(folder)),
                _cli("load", str(data), "--replace", "--graph", "urn:g", "--store", str(folder)),
                _cli("serve", "--store", str(folder), "--port", str(free_port())),
            ]
            for done in attempts:
                assert done.returncode == 2, done.stderr
                lines = done.stderr.strip().splitlines()
                assert len(lines) == 1 and "in use by another process" in lines[0]
                assert f"pid {owner.pid}" in lines[0]
                assert str(folder) not in lines[0]
            assert _state(folder) == before, "a refused process ran recovery on a live store"
        finally:
            os.kill(owner.pid, signal.SIGKILL)
    recovered = EmbeddedStore(folder)
    try:
        rows = recovered.select("SELECT ?o { GRAPH <urn:g> { ?s ?p ?o } }")
        assert [row["o"].value for row in rows] == ["old"]
        assert not folder.with_name("store.journal").exists()
    finally:
        recovered.close()


def test_the_same_process_cannot_open_a_store_twice(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path / "store")
    try:
        with pytest.raises(StoreError, match="in use by another process"):
            EmbeddedStore(tmp_path / "store")
        first.load(b"<urn:s> <urn:p> <urn:o> .", media_type=NT, graph=GRAPH)  # the owner goes on
        assert first.count(GRAPH) == 1
    finally:
        first.close()
    EmbeddedStore(tmp_path / "store").close()  # closing gives the store up


def test_a_snapshot_keeps_a_graph_deleted_while_it_is_taken(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    try:
        for name in ("urn:a", "urn:b", "urn:c"):
            store.load(f"<urn:s> <urn:p> <{name}> .".encode(), media_type=NT, graph=name)
        deleted: list[str] = []

        def select(names: list[str]) -> list[str | None]:
            store.delete_graph("urn:b")  # another client, between the listing and the reads
            store.load(b"<urn:s> <urn:p> <urn:late> .", media_type=NT, graph="urn:c")
            deleted.append("urn:b")
            return [None, *names]

        graphs = dict(store.export_graphs(select, media_type=NT))
        assert deleted == ["urn:b"]
        assert list(graphs) == [None, "urn:a", "urn:b", "urn:c"]
        assert graphs["urn:b"] == b"<urn:s> <urn:p> <urn:b> .\n"
        assert graphs["urn:c"] == b"<urn:s> <urn:p> <urn:c> .\n", "a later write leaked in"
        after = Snapshot.of_store(store)
        assert [name for name, _ in after.graphs] == [None, "urn:a", "urn:c"]
        assert not list(tmp_path.glob("store.view-*")), "the view's checkpoint was left behind"
    finally:
        store.close()
