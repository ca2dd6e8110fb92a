"""Embedded-store behaviour the remote one leaves to its server: failed bulk writes, queries
running while a bulk replace commits, and documents the caller wrote (parsed once)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from service.errors import RDFSyntaxError, StoreError
from service.store import embedded
from service.store.embedded import EmbeddedStore

GRAPH = "http://e/g"


def nt(n: int, tag: str) -> bytes:
    return "".join(f'<http://e/s{i}> <http://e/p> "{tag}{i}" .\n' for i in range(n)).encode()


class FailingDisk:
    """A pyoxigraph store whose bulk load writes half the data, then fails like a full disk."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def bulk_load(self, data: bytes, fmt: Any, **kwargs: Any) -> None:
        lines = data.splitlines(keepends=True)
        self._real.bulk_load(b"".join(lines[: len(lines) // 2]), fmt, **kwargs)
        raise OSError(28, "No space left on device")


class CountingLoads:
    """A pyoxigraph store that notes the size of each bulk load's data."""

    def __init__(self, real: Any, calls: list[Any]) -> None:
        self._real = real
        self.calls = calls

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def bulk_load(self, data: bytes, fmt: Any, **kwargs: Any) -> None:
        self.calls.append(len(data))
        self._real.bulk_load(data, fmt, **kwargs)


def test_failed_bulk_write_restores_the_old_state(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=1)
    store.load(nt(10, "old"), media_type="application/n-triples", graph=GRAPH)
    before = store.export(None, media_type="application/n-quads", dataset=True)
    store._database = FailingDisk(store._database)  # type: ignore[assignment]
    with pytest.raises(StoreError, match="No space left"):
        store.load(nt(1000, "new"), media_type="application/n-triples", graph=GRAPH, replace=True)
    assert store.export(None, media_type="application/n-quads", dataset=True) == before
    store.load(nt(5, "after"), media_type="application/n-triples", graph="http://e/h")
    assert store.count(all_graphs=True) == 15
    store.close()


def test_queries_see_before_or_after_a_bulk_replace(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=1)
    store.load(nt(1000, "old"), media_type="application/n-triples", graph=GRAPH)
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.add(store.count(GRAPH))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for size in (20_000, 1000, 20_000):
            store.load(
                nt(size, "new"), media_type="application/n-triples", graph=GRAPH, replace=True
            )
    finally:
        stop.set()
        watcher.join()
        store.close()
    assert seen <= {1000, 20_000}


@pytest.mark.parametrize("threshold", [1, 100_000], ids=["bulk", "transaction"])
def test_a_written_document_is_parsed_once_and_still_all_or_nothing(
    tmp_path: Path, threshold: int
) -> None:
    """`triples` skips the checking parse: a well-formed document loads as ever, and a
    broken line is refused by the write's own parse, naming its line, changing nothing."""
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=threshold)
    ntriples = "application/n-triples"
    try:
        assert store.load(nt(10, "old"), media_type=ntriples, graph=GRAPH, triples=10) == 10
        before = store.export(None, media_type="application/n-quads", dataset=True)
        broken = nt(1000, "new") + b'<http://e/s> <http://e/p> "no end .\n'
        with pytest.raises(RDFSyntaxError, match="line 1001"):
            store.load(broken, media_type=ntriples, graph=GRAPH, replace=True, triples=1001)
        assert store.export(None, media_type="application/n-quads", dataset=True) == before
        store.load(nt(1000, "new"), media_type=ntriples, graph=GRAPH, replace=True, triples=1000)
        assert store.count(GRAPH) == 1000
    finally:
        store.close()


class OverlappingLoads:
    """A pyoxigraph store whose bulk loads each take a moment, noting how many run at once."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def bulk_load(self, data: bytes, fmt: Any, **kwargs: Any) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)
            self._real.bulk_load(data, fmt, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


def test_pieces_load_side_by_side_up_to_the_thread_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces overlap (one parses while another writes), never more than
    `BULK_LOAD_THREADS` at once, and every triple lands once."""
    monkeypatch.setattr(embedded, "BULK_PIECE_BOUNDS", (1000, 1000))
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=1)
    loads = OverlappingLoads(store._database)
    store._database = loads  # type: ignore[assignment]
    try:
        store.load(nt(2000, "a"), media_type="application/n-triples", graph=GRAPH)
        assert store.count(GRAPH) == 2000
        assert loads.most == embedded.BULK_LOAD_THREADS > 1
    finally:
        store.close()


def test_an_upload_is_cut_in_about_bulk_pieces_within_the_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small upload in pieces of the lower bound, a big one in about `BULK_PIECES`."""
    monkeypatch.setattr(embedded, "BULK_PIECE_BOUNDS", (1000, 100_000))
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=1)
    calls: list[int] = []
    store._database = CountingLoads(store._database, calls)  # type: ignore[assignment]
    try:
        small, big = nt(100, "a"), nt(20_000, "b")
        store.load(small, media_type="application/n-triples", graph=GRAPH)
        assert len(calls) == pytest.approx(len(small) / 1000, abs=1)
        calls.clear()
        store.load(big, media_type="application/n-triples", graph=GRAPH)
        assert embedded.BULK_PIECES - 1 <= len(calls) <= embedded.BULK_PIECES + 1
        assert store.count(GRAPH) == 20_100
    finally:
        store.close()


def test_a_big_line_based_upload_loads_in_pieces_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In pieces of whole lines, every triple lands; a broken line in the last piece undoes
    the pieces before it; blank nodes keep one document together (one piece)."""
    monkeypatch.setattr(embedded, "BULK_PIECE_BOUNDS", (1000, 1000))
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=1)
    calls: list[int] = []
    store._database = CountingLoads(store._database, calls)  # type: ignore[assignment]
    ntriples = "application/n-triples"
    try:
        store.load(nt(1000, "a"), media_type=ntriples, graph=GRAPH)
        assert len(calls) > 10 and store.count(GRAPH) == 1000
        before = store.export(None, media_type="application/n-quads", dataset=True)
        broken = nt(1000, "b") + b'<http://e/s> <http://e/p> "no end .\n'
        with pytest.raises(RDFSyntaxError):
            store.load(broken, media_type=ntriples, graph=GRAPH, replace=True, triples=1001)
        assert store.export(None, media_type="application/n-quads", dataset=True) == before
        first_broken = b'<http://e/s> <http://e/p> "no end .\n' + nt(1000, "c")
        with pytest.raises(RDFSyntaxError):
            store.load(first_broken, media_type=ntriples, graph=GRAPH, replace=True)
        assert store.export(None, media_type="application/n-quads", dataset=True) == before
        store._database = CountingLoads(store._db, calls)  # type: ignore[assignment]
        calls.clear()
        blank = b"".join(b'_:b <http://e/p> "%d" .\n' % i for i in range(200))
        store.load(blank, media_type=ntriples, graph="http://e/blank")
        assert calls == [len(blank)]
        assert len(store.select("SELECT DISTINCT ?s { GRAPH <http://e/blank> { ?s ?p ?o } }")) == 1
    finally:
        store.close()


class NotingUpkeep(CountingLoads):
    """A pyoxigraph store that notes its compactions and checkpoints, in order."""

    def optimize(self) -> None:
        self.calls.append("optimize")
        self._real.optimize()

    def backup(self, folder: str) -> None:
        self.calls.append("backup")
        self._real.backup(folder)


def test_a_read_of_the_whole_store_compacts_it_before_its_checkpoint(tmp_path: Path) -> None:
    """A bulk load leaves overlapping files, each looked up for every term read, so
    `export_graphs` compacts the store before the checkpoint it reads (and reads it all)."""
    store = EmbeddedStore(tmp_path / "store", bulk_threshold=1)
    calls: list[str] = []
    try:
        store.load(nt(200, "a"), media_type="application/n-triples", graph=GRAPH)
        store._database = NotingUpkeep(store._database, calls)  # type: ignore[assignment]
        exported = store.export_graphs(lambda names: names, media_type="application/n-triples")
        assert calls == ["optimize", "backup"]
        assert sorted(exported[0][1].splitlines()) == sorted(nt(200, "a").splitlines())
    finally:
        store.close()
