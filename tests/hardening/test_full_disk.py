"""Item 10 of issue 9: a full disk answers 507 on every write, names no server path, and
changes nothing; the CLI says so in one line with exit 2.

pyoxigraph (RocksDB) reports a full disk as a bare `OSError` whose `errno` is None, with the
file it was appending to in the text. Observed on a 3 MB tmpfs (`mount -t tmpfs -o size=3m`):
`Store.load`, `update`, `remove_graph` and `Store(path)` itself raise
``OSError('IO error: No space left on device: While appending to file:
<store>/000008.log: No space left on device')``, `bulk_load` the same about a `bulk-*.sst`.
`full_disk` raises exactly that, so the tests need no mount (and no root).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import service.store.embedded as embedded_module
from service.cli import main
from tests.hardening.conftest import READ, WRITE, FailingDisk, Service, problem_of

GRAPH = "urn:kept"
NT = {"Content-Type": "application/n-triples"}
UPDATE = {"Content-Type": "application/sparql-update"}


def enospc(store_path: Path, file: str = "000008.log") -> OSError:
    """The exception pyoxigraph raises when the disk is full."""
    where = store_path / file
    return OSError(
        f"IO error: No space left on device: While appending to file: {where}: "
        "No space left on device"
    )


FULL_DISK_WRITES = frozenset(
    {"load", "bulk_load", "update", "remove_graph", "add_graph", "flush"}
    | {"extend", "bulk_extend", "add", "remove", "clear_graph", "clear"}
)


def full_disk(db: Any, store_path: Path) -> FailingDisk:
    """A pyoxigraph store on a full disk: every write raises what pyoxigraph raises."""
    return FailingDisk(db, lambda: enospc(store_path), FULL_DISK_WRITES)


ONE = b'<urn:a> <urn:p> "2" .\n'
STORE = f"/store?graph={GRAPH}"
INSERT = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:b> <urn:p> "3" }} }}'
DROP = f"DROP GRAPH <{GRAPH}>"
WRITES: dict[str, Callable[[Service], Any]] = {
    "PUT": lambda s: s.client.put(STORE, content=ONE, headers=NT | WRITE),
    "POST": lambda s: s.client.post(STORE, content=ONE, headers=NT | WRITE),
    "DELETE": lambda s: s.client.delete(STORE, headers=WRITE),
    "INSERT": lambda s: s.client.post("/update", content=INSERT, headers=UPDATE | WRITE),
    "DROP": lambda s: s.client.post("/update", content=DROP, headers=UPDATE | WRITE),
    "report": lambda s: s.client.post("/validate", headers=READ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_full_disk_answers_507_names_no_path_and_changes_nothing(
    embedded: Service, write: str
) -> None:
    embedded.client.put(STORE, content=b'<urn:a> <urn:p> "1" .\n', headers=NT | WRITE)
    before = embedded.fingerprint()
    store: Any = embedded.store
    real = store._database
    store._database = full_disk(real, store.path)
    try:
        response = WRITES[write](embedded)
    finally:
        store._database = real
    body = problem_of(response, 507)
    assert "No space left on device" in body["detail"]
    assert str(store.path.parent) not in response.text and "Retry-After" not in response.headers
    assert embedded.fingerprint() == before


def test_the_cli_on_a_full_disk_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "a.nt"
    data.write_bytes(ONE)
    folder = tmp_path / "store"
    real_store = embedded_module.OxStore
    monkeypatch.setattr(
        embedded_module, "OxStore", lambda path: full_disk(real_store(path), folder)
    )
    code = main(["load", str(data), "--graph", GRAPH, "--store", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("triskel: error: the load failed and changed nothing: IO error: No space")


def test_serve_on_a_full_disk_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "store"

    def full(path: str) -> None:
        raise enospc(folder, "000000.dbtmp")

    monkeypatch.setattr(embedded_module, "OxStore", full)
    code = main(["serve", "--store", str(folder), "--port", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "No space left on device" in err and "another process" not in err
