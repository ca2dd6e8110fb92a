"""Remote engines for the benchmarks, each on loopback and bulk-loaded with its own loader.

* Oxigraph server: `oxigraph load` into the server's folder, then `oxigraph serve`;
* Virtuoso Open Source 7.2: started as the tests start it (`tests.virtuoso`), the file
  loaded by its bulk loader (`ld_dir` + `rdf_loader_run`, through `isql-vt`) and
  checkpointed.

`loaded(name, data, folder)` yields the engine's endpoints and the load's seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.bench_validation import dataset
from tests.oxigraph import running_oxigraph
from tests.virtuoso import running_virtuoso

GRAPH = "urn:bench:org"
ENGINES = ("oxigraph", "virtuoso")
LOAD_TIMEOUT_S = 3600
VIRTUOSO_MAX_ROWS = 100_000_000
"""Virtuoso's `ResultSetMaxRows` here: at the tests' 100,000 it cut the Graph Store export
the live findings read at start (a tenth of a 1M organisation)."""
VIRTUOSO_MAX_SECONDS = 3600
"""Its `MaxQueryExecutionTime`: at the tests' 60 s that export of 1M triples timed out."""


@dataclass(frozen=True)
class Endpoints:
    """Where a started engine answers."""

    query_url: str
    update_url: str
    gsp_url: str


@contextlib.contextmanager
def loaded(
    name: str, data: Path, folder: Path, *, graphs: int = 1
) -> Iterator[tuple[Endpoints, float]]:
    """Engine `name` started in `folder`, holding `data` (N-Triples) in GRAPH, or split in
    `graphs` runs of lines into graphs `GRAPH:1`… (Virtuoso's Graph Store cannot send a
    graph of more than 1,000,000 triples, which the live findings' start downloads)."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = _split(data, folder / "load", graphs)
    if name == "oxigraph":
        with _oxigraph(parts, folder / "store") as found:
            yield found
    elif name == "virtuoso":
        with _virtuoso(parts, folder) as found:  # the parts inside its DirsAllowed
            yield found
    else:
        raise ValueError(f"no engine {name!r} (one of {', '.join(ENGINES)})")


def _split(data: Path, folder: Path, graphs: int) -> list[tuple[Path, str]]:
    """The files to load and the graph of each, in `folder` (a link to `data` when whole:
    no copy of the bytes)."""
    folder.mkdir(parents=True)
    if graphs == 1:
        os.link(data, folder / data.name)
        return [(folder / data.name, GRAPH)]
    lines = data.read_bytes().splitlines(keepends=True)
    size = -(-len(lines) // graphs)
    parts = []
    for index in range(graphs):
        part = folder / f"part{index + 1}.nt"
        part.write_bytes(b"".join(lines[index * size : (index + 1) * size]))
        parts.append((part, f"{GRAPH}:{index + 1}"))
    return parts


@contextlib.contextmanager
def _oxigraph(parts: list[tuple[Path, str]], folder: Path) -> Iterator[tuple[Endpoints, float]]:
    executable = str(Path(sys.executable).with_name("oxigraph"))
    started = time.perf_counter()
    for data, graph in parts:
        load = [executable, "load", "--location", str(folder), "--file", str(data)]
        subprocess.run([*load, "--graph", graph], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    with running_oxigraph(folder) as server:
        yield Endpoints(server.query_url, server.update_url, server.gsp_url), seconds


@contextlib.contextmanager
def _virtuoso(parts: list[tuple[Path, str]], folder: Path) -> Iterator[tuple[Endpoints, float]]:
    with running_virtuoso(
        folder, max_rows=VIRTUOSO_MAX_ROWS, max_seconds=VIRTUOSO_MAX_SECONDS
    ) as server:
        started = time.perf_counter()
        listed = " ".join(f"ld_dir('{p.parent}', '{p.name}', '{g}');" for p, g in parts)
        statements = f"{listed} rdf_loader_run(); checkpoint;"
        command = ["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", "dba", f"exec={statements}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=LOAD_TIMEOUT_S)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"Virtuoso's bulk load failed: {done.stdout[-500:]}")
        seconds = time.perf_counter() - started
        yield Endpoints(server.query_url, server.update_url, server.gsp_url), seconds


def options(
    description: str, argv: list[str] | None, *, repeats: int, graphs: bool = False
) -> argparse.Namespace:
    """The options of a benchmark over the engines: `--size` (triples, or an N-Triples
    file), `--repeats`, `--engine` (repeatable; default: every engine), and the hidden
    `--child QUERY UPDATE GSP FOLDER` its measuring process is started with (`measured`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", default="100000")
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--engine", action="append", choices=ENGINES)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--planted", type=Path, help=argparse.SUPPRESS)
    if graphs:
        parser.add_argument("--graphs", type=int, default=1)
    args = parser.parse_args(argv)
    args.data = Path(args.size) if args.size.endswith(".nt") else dataset(int(args.size))[0]
    return args


def own_peak_mb() -> float:
    """This process's peak RSS in MB, from `VmHWM` (the peak of its own address space).

    Not `ru_maxrss`: a process started by `measured` inherits in it the peak of the parent
    it was spawned from (Linux keeps the larger of the two across `exec`), and the parent
    of `bench_remote_validation` has just validated the embedded store: its ~800 MB were
    read as the remote validation's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measured(
    module: str,
    name: str,
    data: Path,
    repeats: int,
    *,
    graphs: int = 1,
    extra: tuple[str, ...] = (),
) -> tuple[dict[str, Any], float]:
    """Engine `name` loaded with `data` (in `graphs` graphs, `loaded`), measured by
    `python -m module --child … EXTRA` in a fresh process (its last output line, JSON), and
    the load's seconds."""
    with (
        tempfile.TemporaryDirectory() as folder,
        loaded(name, data, Path(folder) / name, graphs=graphs) as found,
    ):
        urls, load_s = found
        command = [sys.executable, "-m", module, "--repeats", str(repeats), "--child"]
        command += [urls.query_url, urls.update_url, urls.gsp_url, folder, *extra]
        answer = subprocess.run(command, capture_output=True, text=True)
    if answer.returncode:
        raise RuntimeError(f"{module} on {name} failed: {answer.stderr.strip()[-1500:]}")
    return json.loads(answer.stdout.splitlines()[-1]), load_s
