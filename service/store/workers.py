"""Work evaluated in child processes, so that no query or validation can take the service down.

pyoxigraph 0.5 cannot cancel a query. In a thread, a query past its budget was abandoned by
its caller but kept its CPU until it ended (four cartesian `COUNT(*)` kept both cores busy
and every later query was refused), and a query that overflowed the engine's stack or
allocated without bound killed the whole server, every other client with it. In a worker
process, the parent waits for the budget and then kills the worker: its CPU is free within
milliseconds, and a crash costs one worker, respawned, while the caller gets a clear answer.
A memory ceiling per worker (`RLIMIT_DATA`, `TRISKEL_QUERY_MEMORY_MB`) turns a runaway
allocation (a `REPLACE` growing a string by 10 GB, an `ORDER BY` over a product) into such a
crash. Not `RLIMIT_AS`: glibc and RocksDB reserve address space per thread without using
it, and a ceiling on address space stopped workers from opening the store at all.

Workers read a *view*: a RocksDB checkpoint of the store (hard links, a few milliseconds,
atomic) opened read-only. The store takes a new one at the first query after a write, so a
query sees every write answered before it started; the store deletes a view once no worker
has it open. The pool is bounded: when every worker is busy for longer than a query's
budget, the query is refused (503) rather than queued without end.

One pool implementation serves every kind of work: a pool runs *tasks*, picklable objects
whose `run(views)` the child calls with its cache of opened views (`Views`). A query is one
kind of task (`Job`); a validation, defined where validations are, is another, in a pool of
its own (`Wording` names the kind and its settings in the pool's messages).

Costs, measured on the example data with 8 clients: see benchmarks/bench_sparql.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import queue
import resource
import signal
import threading
import traceback
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol, TypeVar, cast

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Variable
from pyoxigraph import Store as OxStore

from service.errors import InputError, LimitExceededError, StoreError, TriskelError
from service.rdf.reader import graph_node
from service.store.deadline import Deadline
from service.store.results import Answer, own_rows, serialise
from service.store.scan import has_dataset_clause
from service.store.syntax import query_syntax_error, unknown_functions

log = logging.getLogger(__name__)

Kind = Literal["select", "ask", "query"]
Kept = TypeVar("Kept")
Derived = TypeVar("Derived")
_RELEASE = "release"
"""Message telling an idle worker to close its view (the store wants to delete it)."""


class Views:
    """A worker's opened read-only views: the last one stays open for the next task on it.

    Opening a view costs milliseconds, but its caches warm up with use; one view at a time,
    since a view the store has moved past is about to be deleted. Beside them, what a kind
    of task keeps in its worker from one task to the next (`kept`), and what tasks derived
    from the open view (`derived`), dropped with it."""

    def __init__(self) -> None:
        self._db: OxStore | None = None
        self._path = ""
        self._kept: dict[type, object] = {}
        self._derived: dict[Hashable, object] = {}

    def kept(self, kind: type[Kept]) -> Kept:
        """The one `kind()` this worker keeps between tasks, made at first use (the update
        worker's mirror of the store: `service.store.mirror`); it dies with the worker."""
        found = self._kept.get(kind)
        if found is None:
            found = self._kept[kind] = kind()
        assert isinstance(found, kind)
        return found

    def derived(self, path: str, key: Hashable, build: Callable[[OxStore], Derived]) -> Derived:
        """`build(view)` for the view at `path`, made once while that view stays open: a view
        is one state of the store, so what is derived from it holds as long as it is open
        (a validation's prepared data: reading a million quads out of RocksDB took longer
        than validating them). Dropped when the view closes (`close`, or another opened)."""
        db = self.open(path)
        if key not in self._derived:
            self._derived[key] = build(db)
        return cast(Derived, self._derived[key])

    def open(self, path: str) -> OxStore:
        """The view at `path`, opened read-only (the one already open when it is that one)."""
        if path != self._path or self._db is None:
            self.close()
            self._db, self._path = OxStore.read_only(path), path
        return self._db

    def close(self) -> None:
        """Close the open view, if any, and drop what was derived from it."""
        self._db, self._path = None, ""
        self._derived.clear()
        gc.collect()


class Task(Protocol):
    """Work for a worker process: picklable, run in the child as `task.run(views)`.

    `view` names the view the task reads ("" for none: the task carries its data), so that
    the store keeps that view on disk while a worker may have it open; `timeout_s` is its
    budget, after which the worker is killed."""

    @property
    def view(self) -> str: ...

    @property
    def timeout_s(self) -> float: ...

    def run(self, views: Views) -> Any:
        """Do the work in the child; the value goes back to the caller, pickled."""


@dataclass(frozen=True)
class Wording:
    """How a pool's failures name its kind of work and the settings that bound it."""

    what: str
    timeout_setting: str
    memory_setting: str


QUERIES = Wording("query", "TRISKEL_QUERY_TIMEOUT_S", "TRISKEL_QUERY_MEMORY_MB")


@dataclass(frozen=True)
class Job:
    """One query for a worker: what to run, on which view, and how its answer is shaped."""

    view: str
    kind: Kind
    query: str
    max_rows: int
    timeout_s: float
    accept: str = ""
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()
    substitutions: Mapping[str, Any] | None = None
    base_iri: str | None = None

    def run(self, views: Views) -> Any:
        """Evaluate the query on its view (see `evaluate`)."""
        return evaluate(views.open(self.view), self)


def evaluate(db: OxStore, job: Job) -> Any:
    """Run `job` on `db`: rows for "select", a bool for "ask", a `Serialised` for "query"."""
    deadline = Deadline(job.timeout_s)
    answer = _answer(db, job)
    if job.kind == "ask":
        if not isinstance(answer, QueryBoolean):
            raise InputError("ask() needs an ASK query")
        return bool(answer)
    if job.kind == "select":
        if not isinstance(answer, QuerySolutions):
            raise InputError("select() needs a SELECT query")
        return own_rows(answer, deadline)
    return serialise(answer, job.accept, max_rows=job.max_rows, deadline=deadline)


def _answer(db: OxStore, job: Job) -> Answer:
    """Parse and start the query; the default graph is the union unless a dataset is named.

    A protocol dataset (`default-graph-uri`, `named-graph-uri`) is exactly the graphs it
    names, as `FROM` without `FROM NAMED` has no named graphs (Query §13.2, Protocol
    §2.1.4); a graph the store does not hold is empty."""
    bound = {Variable(k): v for k, v in (job.substitutions or {}).items()}
    functions = unknown_functions(job.query, job.base_iri)
    try:
        if job.default_graph_uris or job.named_graph_uris:
            named = [graph_node(g) for g in job.named_graph_uris]
            return db.query(
                job.query,
                substitutions=bound or None,
                base_iri=job.base_iri,
                custom_functions=functions,
                default_graph=[graph_node(g) for g in job.default_graph_uris],
                named_graphs=[g for g in named if isinstance(g, NamedNode)],
            )
        return db.query(
            job.query,
            substitutions=bound or None,
            base_iri=job.base_iri,
            custom_functions=functions,
            use_default_graph_as_union=not has_dataset_clause(job.query),
        )
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    except RuntimeError as exc:
        raise InputError(f"the query cannot be run: {exc}") from None
    except OSError as exc:
        raise StoreError(f"the store failed to run the query: {exc}") from exc


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent goes (no orphan keeps computing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(conn: Connection, memory_limit_bytes: int) -> None:
    """A worker's life: run tasks, answer `(status, value)` until the pipe closes.

    Status "ok" carries the task's value, "error" a `TriskelError` to raise as it is, "bug"
    the traceback of anything else."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    if memory_limit_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit_bytes, memory_limit_bytes))
    views = Views()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message == _RELEASE:
            views.close()
            continue
        task: Task = message
        try:
            conn.send(("ok", task.run(views)))
        except TriskelError as exc:
            conn.send(("error", exc))
        except Exception:
            conn.send(("bug", traceback.format_exc()))


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    view: str = ""
    busy: bool = field(default=False)

    def stop(self) -> None:
        """Kill the process now and reap it."""
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(5)
        self.conn.close()


_PRELOAD = {__name__}
"""Modules the fork server imports before its first worker, for every pool's tasks (one fork
server serves them all: a worker then starts with them imported, in milliseconds)."""


class WorkerPool:
    """A bounded pool of worker processes for one kind of task (see the module docstring).

    `preload` names modules its tasks need, imported once in the fork server when it starts
    (pools made before the first worker starts share it)."""

    def __init__(
        self,
        *,
        size: int = 4,
        memory_limit_mb: int = 4096,
        wording: Wording = QUERIES,
        preload: Sequence[str] = (),
    ) -> None:
        self.size = size
        self.memory_limit_bytes = memory_limit_mb * 1024 * 1024
        self.wording = wording
        self._context = multiprocessing.get_context("forkserver")
        _PRELOAD.update(preload)
        self._context.set_forkserver_preload(sorted(_PRELOAD))
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def run(self, task: Task) -> Any:
        """Run `task` on a worker within `task.timeout_s`; the value its `run` returns.

        Raises what the task raised; `LimitExceededError` when the budget ran out (the
        worker is killed) or no worker came free in time; `InputError` when the task killed
        its worker (a crash or the memory ceiling).
        """
        said = self.wording
        worker = self._take(task.timeout_s)
        try:
            worker.view = task.view
            worker.conn.send(task)
            answered = worker.conn.poll(task.timeout_s)
            reply = worker.conn.recv() if answered else None
        except (EOFError, OSError):
            code = self._discard(worker)
            raise InputError(
                f"the {said.what} stopped the engine ({_exit_reason(code)}): it is too complex "
                f"or needs more memory than {said.memory_setting} allows"
            ) from None
        except BaseException:
            self._discard(worker)
            raise
        if reply is None:
            self._discard(worker)
            raise LimitExceededError(
                f"the {said.what} ran longer than {task.timeout_s:g} s ({said.timeout_setting}) "
                "and was stopped"
            )
        return self._answer(worker, *reply)

    def _answer(self, worker: _Worker, status: str, value: Any) -> Any:
        """The value of a worker's reply, or its error raised (see `_serve`)."""
        self._give_back(worker)
        if status == "ok":
            return value
        if status == "error":
            raise value
        raise RuntimeError(f"a {self.wording.what} worker failed:\n{value}")

    def views_in_use(self) -> set[str]:
        """The views some live worker has open."""
        with self._lock:
            return {w.view for w in self._workers if w.view}

    def release(self, keep: str) -> None:
        """Ask idle workers holding another view than `keep` to close it."""
        held: list[_Worker] = []
        while True:
            try:
                held.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in held:
            if worker.view and worker.view != keep:
                try:
                    worker.conn.send(_RELEASE)
                    worker.view = ""
                except OSError:
                    self._discard(worker)
                    continue
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker; later calls to `run` are refused."""
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()

    def _take(self, timeout_s: float) -> _Worker:
        """An idle worker, a new one while the pool is not full, or wait for one in time."""
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = self._spawn() or self._wait(timeout_s)
        worker.busy = True
        return worker

    def _wait(self, timeout_s: float) -> _Worker:
        try:
            return self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise LimitExceededError(
                f"all {self.size} {self.wording.what} workers stayed busy for {timeout_s:g} s; "
                "try again shortly"
            ) from None

    def _spawn(self) -> _Worker | None:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            if len(self._workers) >= self.size:
                return None
            parent, child = self._context.Pipe()
            process = self._context.Process(
                target=_serve, args=(child, self.memory_limit_bytes), daemon=True
            )
            process.start()
            child.close()
            worker = _Worker(process, parent)
            self._workers.add(worker)
            return worker

    def _give_back(self, worker: _Worker) -> None:
        worker.busy = False
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> int | None:
        """Kill and forget a worker; its place is refilled at the next need."""
        with self._lock:
            self._workers.discard(worker)
        worker.stop()
        return worker.process.exitcode


def _exit_reason(code: int | None) -> str:
    """How a worker ended, in words (`-11` is "signal SIGSEGV")."""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"
