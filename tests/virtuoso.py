"""The Virtuoso Open Source 7.2 server the remote-backend tests talk to (Debian package
`virtuoso-opensource`, installed by `.ci/run`): how one is started on loopback in a folder of
its own and stopped, and what it needs beyond its defaults.

Its configuration (`virtuoso.ini`, written per server):

* `[Parameters] ServerPort` (SQL, for `isql-vt`) and `[HTTPServer] ServerPort` on free
  loopback ports; the database, log and transaction files in the server's folder;
* `[SPARQL] ResultSetMaxRows` (a row cap Virtuoso applies *silently*: a longer answer is cut,
  the tests lower it to prove the service notices) and `MaxQueryExecutionTime` (seconds; past
  it Virtuoso answers with what it has, the "anytime" partial answer);
  `MaxQueryCostEstimationTime = 0` so no query is refused on an estimate;
* `[Parameters] MaxSortedTopRows` (`MAX_SORTED_TOP_ROWS`) so answers are read in pages past
  10,000 rows, and `TransactionAfterImageLimit` (`AFTER_IMAGE_LIMIT`) so one update may write
  the entailments of ten million triples.

SQL-level grants, run once by `isql-vt` as `dba` (a fresh database's password): the anonymous
SPARQL user (`SPARQL`, behind `/sparql`) may update (`GRANT SPARQL_UPDATE TO "SPARQL"`), and
`DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7)` gives anonymous read/write on every graph,
which the unauthenticated Graph Store endpoint `/sparql-graph-crud` needs (a deployment uses
`/sparql-auth` and `/sparql-graph-crud-auth` with digest credentials instead).

Quirks found (the remote store works around each in standard SPARQL; see the README):
`GRAPH ?g { }` lists no graph (named graphs must be found by a triple in them); an `ASK` is
answered as a one-row result set, so a false ASK reads as true; the default graph of a query
naming no dataset is the union of every graph, Virtuoso's own `virtrdf:` graphs included; a
transitive property path with neither end bound (`?s org:memberOf/org:unitOf* ?o`) is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from benchmarks.live import free_port

MAX_SORTED_TOP_ROWS = 1_000_000_000
"""`[Parameters] MaxSortedTopRows`: at its default, 10,000, Virtuoso refuses an `ORDER BY`
with `LIMIT` and `OFFSET` past 10,000 rows (SR353), so a pushed-down validation could not
read a page past the first 10,000 rows of an answer."""

AFTER_IMAGE_LIMIT = 2_000_000_000
"""`[Parameters] TransactionAfterImageLimit` (bytes): at its default, 50,000,000, Virtuoso
aborts an update whose transaction log grows past it (SR325), as the entailments a
pushed-down validation writes did at 10M triples. Virtuoso reads it as a 32-bit integer:
4,000,000,000 wrapped below zero, and the limit fell to its least, 10,000 bytes."""

GRANTS = "GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"

INI = """[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = ., {folder}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
CheckpointInterval = 0
ThreadsPerQuery = 2
MaxSortedTopRows = {max_sorted}
TransactionAfterImageLimit = {max_after_image}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
MaxClientConnections = 8
ServerThreads = 8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 0
"""


@dataclass(frozen=True, slots=True)
class VirtuosoServer:
    """Where the test server answers: one URL for queries and updates, one for the Graph
    Store, and the SQL port `isql-vt` reaches."""

    base_url: str
    sql_port: int
    pid: int
    own_graphs: frozenset[str] = frozenset()
    """Virtuoso's own graphs, as it started (`clear` keeps them)."""

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def gsp_url(self) -> str:
        return f"{self.base_url}/sparql-graph-crud"

    def sql(self, statements: str) -> None:
        """Run SQL statements as `dba` (`isql-vt`); a failure fails the test."""
        command = ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed: {done.stdout[-500:]} {done.stderr[-500:]}")

    def clear(self) -> None:
        """Drop every graph but Virtuoso's own."""
        drops = [f"DROP SILENT GRAPH <{graph}>" for graph in set(graphs(self)) - self.own_graphs]
        if drops:
            httpx.post(self.update_url, data={"update": " ;\n".join(drops)}).raise_for_status()


def graphs(server: VirtuosoServer) -> list[str]:
    """The graphs holding a triple (Virtuoso lists none for `GRAPH ?g { }`)."""
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    accept = {"Accept": "application/sparql-results+json"}
    answer = httpx.post(server.query_url, data={"query": query}, headers=accept, timeout=60)
    answer.raise_for_status()
    return [row["g"]["value"] for row in answer.json()["results"]["bindings"]]


def _wait_until_up(
    server: VirtuosoServer, process: subprocess.Popen[bytes], seconds: float
) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with code {process.returncode}")
        try:
            httpx.get(server.query_url, params={"query": "ASK {}"}, timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"Virtuoso did not answer at {server.query_url} within {seconds:g} s")


@contextlib.contextmanager
def running_virtuoso(
    folder: Path,
    *,
    max_rows: int = 100_000,
    max_seconds: int = 60,
    max_sorted: int = MAX_SORTED_TOP_ROWS,
    max_after_image: int = AFTER_IMAGE_LIMIT,
) -> Iterator[VirtuosoServer]:
    """A live Virtuoso on 127.0.0.1 with its database in `folder`, granted for the tests,
    stopped after; `max_rows`, `max_seconds`, `max_sorted` and `max_after_image` are its
    ResultSetMaxRows, MaxQueryExecutionTime, MaxSortedTopRows and
    TransactionAfterImageLimit."""
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        pytest.fail(
            "virtuoso-t/isql-vt (Debian package virtuoso-opensource) are not installed",
            pytrace=False,
        )
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        INI.format(
            folder=folder,
            sql_port=sql_port,
            http_port=http_port,
            max_rows=max_rows,
            max_seconds=max_seconds,
            max_sorted=max_sorted,
            max_after_image=max_after_image,
        )
    )
    command = ["virtuoso-t", "+foreground", "+configfile", str(ini)]
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = VirtuosoServer(f"http://127.0.0.1:{http_port}", sql_port, process.pid)
    try:
        _wait_until_up(server, process, 180)
        server.sql(GRANTS)
        yield dataclasses.replace(server, own_graphs=frozenset(graphs(server)))
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
