"""Case 13 of issue 9: the CLI reads regular files only, and no more than the body limit.

A named pipe in a folder used to block `triskel load` / `validate` forever, and a symbolic
link to `/dev/zero` ended in a traceback; now either is exit 2 with one line naming the file,
before anything is read or written. Each case runs the real CLI in a subprocess with a time
limit, so a regression hangs nothing but its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TTL = "@prefix ex: <http://example.org/> .\nex:a ex:p 1 .\n"
TIMEOUT_S = 60


def triskel(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`triskel ARGV...` in a fresh interpreter; fails the test past `TIMEOUT_S`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRISKEL_")}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *argv],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=clean | (env or {}),
        check=False,
    )


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr holding every word."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0]


def with_fifo(folder: Path) -> Path:
    (folder / "good.ttl").write_text(TTL)
    fifo = folder / "pipe.ttl"
    os.mkfifo(fifo)
    return fifo


def with_zero(folder: Path) -> Path:
    (folder / "good.ttl").write_text(TTL)
    zero = folder / "zero.nt"
    zero.symlink_to("/dev/zero")
    return zero


@pytest.mark.parametrize(("make", "kind"), [(with_fifo, "named pipe"), (with_zero, "device")])
@pytest.mark.parametrize("command", ["load", "validate"])
def test_a_folder_holding_a_special_file_is_exit_2(
    tmp_path: Path, make: Callable[[Path], Path], kind: str, command: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    special = make(data)
    store = tmp_path / "store"
    refused(triskel(command, str(data), "--store", str(store)), str(special), kind)
    assert not store.exists()


@pytest.mark.parametrize(("make", "kind"), [(with_fifo, "named pipe"), (with_zero, "device")])
def test_a_special_file_named_as_shapes_is_exit_2(
    tmp_path: Path, make: Callable[[Path], Path], kind: str
) -> None:
    special = make(tmp_path)
    done = triskel("validate", str(tmp_path / "good.ttl"), "--shapes", str(special))
    refused(done, str(special), kind)


def test_a_file_over_the_body_limit_is_exit_2(tmp_path: Path) -> None:
    big = tmp_path / "big.nt"
    big.write_text('<http://e/s> <http://e/p> "x" .\n' * 100)
    limit = {"TRISKEL_MAX_BODY_MB": "0.001"}
    store = str(tmp_path / "store")
    refused(triskel("load", str(big), "--store", store, env=limit), str(big), "MAX_BODY_MB")
    refused(triskel("validate", str(big), env=limit), str(big), "MAX_BODY_MB")


@pytest.mark.parametrize(
    ("name", "value"), [("TRISKEL_MAX_ROWS", "many"), ("TRISKEL_QUERY_TIMEOUT_S", "-1")]
)
def test_a_setting_the_settings_refuse_is_exit_2_naming_it(
    tmp_path: Path, name: str, value: str
) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(TTL)
    refused(triskel("validate", str(data), env={name: value}), name)


def test_a_triple_term_in_a_file_is_exit_2_with_its_line(tmp_path: Path) -> None:
    star = tmp_path / "star.nt"
    star.write_text("<http://e/s> <http://e/p> <<( <http://e/a> <http://e/b> <http://e/c> )>> .\n")
    store = str(tmp_path / "store")
    for command in (["load", str(star), "--store", store], ["validate", str(star)]):
        refused(triskel(*command), str(star), "line 1", "triple terms are not supported")


def test_a_folder_of_regular_files_loads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.ttl").write_text(TTL)
    (data / "notes.txt").write_text("not RDF")
    done = triskel("load", str(data), "--store", str(tmp_path / "store"))
    assert done.returncode == 0, done.stderr
    assert "loaded 1 triples" in done.stderr and "a.ttl" in done.stderr
