"""The embedded store: pyoxigraph on disk, all-or-nothing loads, bounded queries.

Every upload is parsed completely once (`Store.check_upload`, which also refuses a system
graph) before anything is written. Writes are serialised by one lock. A small add is then one
RocksDB transaction (`Store.load`); a big add or any replace is pyoxigraph's `bulk_load`
inside the checkpoint journal (`service.store.journal`), with readers held off: as fast as
`bulk_load` plus one parse, and still all-or-nothing, also across SIGKILL.

Queries run in worker processes on read-only checkpoints of the store, stopped at their
deadline (`service.store.workers`); the default graph is the union of all graphs unless the
caller names a dataset.

An update is applied as its delta (`service.store.delta`), computed first under the write
lock: in this process when it evaluates no pattern (`INSERT DATA`, `DROP`...: the quads of
its text or of the graphs it touches), else in a worker process (`service.store.trial`) that
is killed at the update budget (503, nothing written, the lock released at once) or at the
memory ceiling (400): a three-way product in a `WHERE` held the write lock for minutes and a
runaway allocation killed the server. The worker evaluates it on its mirror of the store
(`service.store.mirror`), kept equal to the store by the change every write records, so that
a trial after a write needs no new view; on a view only when the mirror cannot be built. The
delta is then written in one step, readers held off, all or nothing across crashes
(`service.store.undo`), and returned to the caller.
"""

from __future__ import annotations

import gc
import logging
import shutil
import tempfile
import threading
import traceback
import uuid
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, QuerySolutions, QueryTriples, RdfFormat
from pyoxigraph import Store as OxStore

from service.errors import (
    DiskFullError,
    NotFoundError,
    StoreError,
    TriskelError,
    UnsupportedFormatError,
)
from service.rdf.formats import EXPORT_PREFIXES, Format, rdf_format_for
from service.rdf.reader import GraphName, graph_node, read_body, read_quads, syntax_error
from service.rdf.textguard import MAX_NESTING
from service.settings import Settings
from service.store.base import QueryResult, Row, Store, Term
from service.store.delta import QuadDelta, State, apply_operations, write_delta
from service.store.disk import disk_full
from service.store.journal import Journal
from service.store.locks import ProcessLock, ReadWriteLock
from service.store.mirror import BuildMirror, ChangeLog, Changes, MirrorTrial
from service.store.operations import Operation, needs_writable_copy, operations
from service.store.results import Serialised
from service.store.scan import (
    check_operations,
    check_triple_terms,
)
from service.store.syntax import silenced
from service.store.trial import UPDATES, DeltaTrial
from service.store.undo import UndoLog, needs_log
from service.store.workers import Job, Kind, Task, WorkerPool, evaluate

log = logging.getLogger(__name__)

SIZE_WAIT_S = 0.25
"""How long `size` waits for a write holding the store before answering the size counted
last."""
BULK_THRESHOLD = 100_000
"""From this many quads an add goes through the journalled bulk path (faster than one
transaction, which holds every write in memory until commit)."""
BULK_PIECES = 32
"""A big line-based upload (N-Triples, N-Quads) is bulk loaded in about this many pieces,
each within `BULK_PIECE_BOUNDS`: `bulk_load` holds some 600 bytes per quad of a call in
memory (1.5 GB for an import of 2.4M triples in one call, 0.4 GB in 64 MiB pieces), and
each call costs a little more than its quads. Side by side at load 2: an import of 2.4M
triples peaked at 1,018 MiB in 32 MiB pieces and 875 MiB in 16 MiB ones, in the same 19 s;
one of 7.7M took 54 s in 32 MiB pieces and 61 s in 16 MiB ones."""
BULK_PIECE_BOUNDS = (16 * 1024 * 1024, 64 * 1024 * 1024)
BULK_LOAD_THREADS = 2
"""Pieces loaded at once. One `bulk_load` call smaller than pyoxigraph's batch (a million
quads) works on one thread, parsing then writing; two calls side by side overlap one's parse
with the other's write. Two 32 MiB pieces in flight hold what one 64 MiB piece held: an
import of 7.7M triples went from 57 s to 41 s, of 2.4M from 17 s to 12 s, at the same peak."""
READ_THREADS = 2
"""Pieces of a whole read (`read_pieces`) read at once."""
READ_AHEAD = 4
"""Pieces of a whole read read ahead of the caller, at most: what waits for the caller's
parse is held in memory."""
LINE_FORMATS = frozenset({RdfFormat.N_TRIPLES, RdfFormat.N_QUADS})


class EmbeddedStore(Store):
    """pyoxigraph `Store` in a folder on disk (created when missing)."""

    def __init__(
        self,
        path: Path,
        *,
        query_timeout_s: float = 30.0,
        max_rows: int = 100_000,
        allowed_hosts: str = "",
        max_rdf_nesting: int = MAX_NESTING,
        bulk_threshold: int = BULK_THRESHOLD,
        query_workers: int = 4,
        query_memory_mb: int = 4096,
        update_timeout_s: float | None = None,
        max_update_quads: int = 1_000_000,
    ) -> None:
        self.path = path
        self.query_timeout_s = query_timeout_s
        self.update_timeout_s = update_timeout_s or query_timeout_s
        self.max_update_quads = max_update_quads
        self.max_rows = max_rows
        self.allowed_hosts = allowed_hosts
        self.max_rdf_nesting = max_rdf_nesting
        self.bulk_threshold = bulk_threshold
        self._journal = Journal(path)
        self._undo = UndoLog(path)
        self._owner = ProcessLock(path)
        self._rw = ReadWriteLock()
        self._write_lock = threading.Lock()
        self._reopen_lock = threading.Lock()
        self._database: OxStore | None = None
        self._closed = False
        self.workers = WorkerPool(size=query_workers, memory_limit_mb=query_memory_mb)
        self._pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet([self.workers])
        self._pinned: Counter[str] = Counter()
        self.update_workers = WorkerPool(size=1, memory_limit_mb=query_memory_mb, wording=UPDATES)
        """Updates are tried one at a time, under the write lock: one worker never waits."""
        self._changes = ChangeLog(max_quads=bulk_threshold)
        self._mirror_failed = False
        self._view_lock = threading.RLock()
        self._view: Path | None = None
        self._view_generation = -1
        self._views: list[Path] = []
        self._counted: tuple[int, tuple[int, int]] | None = None
        """The last `size` counted, and the write generation it was counted at."""
        self._owner.acquire()  # before recovery: it may replace the folder another uses
        try:
            self._journal.recover()
            for view in path.parent.glob(path.name + ".view-*"):  # left by a crash
                shutil.rmtree(view, ignore_errors=True)
            self._database = self._open()
        except BaseException:
            self.workers.close()
            self.update_workers.close()
            self._owner.release()
            raise

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedStore:
        """The store at `TRISKEL_STORE_PATH` with the configured limits."""
        return cls(
            settings.store_path,
            query_timeout_s=settings.query_timeout_s,
            max_rows=settings.max_rows,
            allowed_hosts=settings.allowed_hosts,
            max_rdf_nesting=settings.max_rdf_nesting,
            query_workers=settings.query_workers,
            query_memory_mb=settings.query_memory_mb,
            update_timeout_s=settings.update_timeout_s,
            max_update_quads=settings.max_update_quads,
        )

    def _open(self) -> OxStore:
        """The database, with a write its undo log says was not finished undone."""
        try:
            db = OxStore(str(self.path))
            self._undo.recover(db)
            return db
        except OSError as exc:
            raise self._failure("cannot open the store", exc) from exc

    def _reason(self, exc: OSError) -> str:
        """An OS error's text without the store's location (answers never name server paths)."""
        return (
            str(exc)
            .replace(str(self.path.parent.resolve()), "…")
            .replace(str(self.path.parent), "…")
        )

    def _failure(self, what: str, exc: OSError) -> StoreError:
        """The store error for an OS error during `what`: `DiskFullError` for a full disk,
        the text without the store's location either way."""
        kind = DiskFullError if disk_full(exc) else StoreError
        return kind(f"{what}: {self._reason(exc)}")

    @property
    def _db(self) -> OxStore:
        """The open database; reopened here when a failed write's restore could not reopen it
        (a full disk): every call retries, so the store comes back once space is freed."""
        db = self._database
        if db is not None:
            return db
        if self._closed:
            raise StoreError("the store is closed")
        with self._reopen_lock:
            if self._database is None:
                try:
                    self._journal.recover()
                except OSError as exc:
                    raise self._failure("the store is unavailable", exc) from exc
                self._database = self._open()
            return self._database

    # -- queries -------------------------------------------------------------------------

    def _checked(self, job: Job) -> Job:
        """Refuse what the text may not do (fetches, structure) before any engine sees it;
        the job to run has each refused `SERVICE SILENT` failed silently (`silenced`)."""
        query = silenced(job.query, allowed_hosts=self.allowed_hosts)
        check_triple_terms(query)
        check_operations(query, allowed_hosts=self.allowed_hosts)
        return replace(job, query=query)

    def _job(self, kind: Kind, query: str, **options: Any) -> Job:
        return Job("", kind, query, self.max_rows, self.query_timeout_s, **options)

    def _local(self, job: Job) -> Any:
        """Run one of the service's own queries here, on the live database: they are known
        and bounded, and must see the latest write at no cost."""
        job = self._checked(job)
        with self._rw.reading():
            return evaluate(self._db, job)

    def select(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        """Rows of one of the service's own SELECTs, all of them (`own_rows`)."""
        rows: list[Row] = self._local(self._job("select", query, substitutions=substitutions))
        return rows

    def ask(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> bool:
        """The answer of one of the service's own ASKs."""
        return bool(self._local(self._job("ask", query, substitutions=substitutions)))

    def query(
        self,
        query: str,
        *,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run any query form in a worker process; serialise in `accept` (one canonical
        media type). This is the way in for text from outside (the protocol, the CLI).

        `accept` must suit the query form: a SPARQL results type for SELECT/ASK, an RDF type
        for CONSTRUCT/DESCRIBE (`NotAcceptableError` otherwise). At most `max_rows` rows or
        triples are returned, with `truncated=True` when more existed.
        """
        job = self._job(
            "query",
            query,
            accept=accept,
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris),
            substitutions=substitutions,
            base_iri=base_iri,
        )
        job = self._checked(job)
        done: Serialised = self.run_in_worker(
            self.workers, lambda view: replace(job, view=view or "")
        )
        return QueryResult(done.body, done.media_type, done.truncated)

    def run_in_worker(self, pool: WorkerPool, task_for: Callable[[str | None], Task]) -> Any:
        """Run `task_for(view)` in `pool` on a view holding every write made so far; the view
        stays on disk until the task is done and no worker of any pool has it open."""
        with self._view_lock:
            self._pools.add(pool)
        with self._pinned_view() as view:
            return pool.run(task_for(view))

    @contextmanager
    def _pinned_view(self) -> Iterator[str]:
        """The current view, never deleted while the context lasts (a task may wait for a
        free worker for a while, and writes in the meantime take newer views)."""
        with self._view_lock:
            view = self._current_view()
            self._pinned[view] += 1
        try:
            yield view
        finally:
            with self._view_lock:
                self._pinned[view] -= 1
                if self._pinned[view] <= 0:
                    del self._pinned[view]

    def _current_view(self) -> str:
        """The folder of a read-only checkpoint holding every write made so far.

        Taken under the read lock (so never in the middle of a bulk write) at the first query
        after a write; views no worker has open and no task is waiting to read are deleted
        here.
        """
        with self._view_lock:
            generation = self._changes.generation
            if self._view is not None and self._view_generation == generation:
                return str(self._view)
            folder = self.path.with_name(f"{self.path.name}.view-{uuid.uuid4().hex}")
            try:
                with self._rw.reading():
                    self._db.backup(str(folder))
            except OSError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                raise self._failure("the store could not be read", exc) from exc
            self._view, self._view_generation = folder, generation
            self._views.append(folder)
            for pool in list(self._pools):
                pool.release(keep=str(folder))
            self._prune_views()
            return str(folder)

    def _prune_views(self) -> None:
        """Delete the views that are neither current, nor open in a worker, nor pinned."""
        in_use = {view for pool in list(self._pools) for view in pool.views_in_use()}
        in_use.update(self._pinned)
        for view in list(self._views):
            if view != self._view and str(view) not in in_use:
                shutil.rmtree(view, ignore_errors=True)
                self._views.remove(view)

    def _written(self, change: QuadDelta | None) -> None:
        """Note that the store changed, by `change` (None: not known quad by quad, or a
        failed write): the next query takes a new view, the mirror gets the change."""
        self._changes.record(change)

    # -- writes --------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update (see `update_with_delta`)."""
        self.update_with_delta(update, base_iri=base_iri)

    computes_update_deltas = True

    def update_with_delta(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        check: Callable[[QuadDelta], None] | None = None,
    ) -> QuadDelta:
        """Apply a SPARQL Update all or nothing and return its delta: refused `LOAD` or
        `SERVICE` never run, a refused `SERVICE SILENT` fails silently (`check_update`); the
        delta is computed first (`_delta`), given to `check`, then written, all under the write
        lock (so the delta is the one of the state it is written on)."""
        update = self.check_update(update, base_iri=base_iri)
        found = operations(update, base_iri)
        with self._write_lock:
            delta = self._delta(update, found, base_iri)
            if check is not None:
                check(delta)
            self._write(delta)
            return delta

    def update_delta(self, update: str, *, base_iri: str | None = None) -> QuadDelta:
        """The update's delta on the current state, computed as `update_with_delta` does
        (bounded by the update budget) but never written. Under the write lock only while
        it is computed: the delta is the one of a committed state."""
        update = self.check_update(update, base_iri=base_iri)
        found = operations(update, base_iri)
        with self._write_lock:
            return self._delta(update, found, base_iri)

    def _delta(self, update: str, found: list[Operation], base_iri: str | None) -> QuadDelta:
        """The update's delta on the current state.

        Without a pattern to evaluate, here on the database (its cost is its text's or the
        graphs' it names); else in the update worker, on its mirror (`_mirrored`), or when
        the mirror cannot be built on the pool's read-only view, or on a writable checkpoint
        when an operation may read what an earlier one wrote, or when the update `LOAD`s.
        Called under the write lock. Raises `OperationFailedError`, `TooLargeError` past
        `max_update_quads`, `LimitExceededError` past the budget (the worker is killed),
        `InputError` when it crashed its worker or passed the memory ceiling.
        """
        if not any(op.reads_patterns or op.kind == "LOAD" for op in found):
            try:
                with self._rw.reading():
                    return apply_operations(State(self._db, max_quads=self.max_update_quads), found)
            except OSError as exc:
                raise self._failure("the update could not be read", exc) from exc
        mirrored = self._mirrored(update, found, base_iri)
        if mirrored is not None:
            return mirrored
        trial = DeltaTrial("", update, self.update_timeout_s, self.max_update_quads, base_iri)
        if needs_writable_copy(found):
            return self._checkpoint_trial(trial)
        done: QuadDelta = self.run_in_worker(
            self.update_workers, lambda view: replace(trial, view=view or "")
        )
        return done

    def _mirrored(
        self, update: str, found: list[Operation], base_iri: str | None
    ) -> QuadDelta | None:
        """The update's delta computed on the update worker's mirror, built first when it
        holds nothing the recorded changes can bring up to date; None when it cannot be
        built. Raises what the trial raises."""
        for _ in range(2):  # a second time when the worker came back empty meanwhile
            changes = self._changes.pending() or self._build_mirror()
            if changes is None:
                return None
            trial = MirrorTrial(
                update,
                changes,
                self.update_timeout_s,
                self.max_update_quads,
                base_iri,
                writable=needs_writable_copy(found),
            )
            done: QuadDelta | None = self.update_workers.run(trial)
            self._changes.mirror_at(None if done is None else changes.generation)
            if done is not None:
                return done
        return None

    def _build_mirror(self) -> Changes | None:
        """Build the update worker's mirror from a view of the current state (under the
        write lock, so the view holds exactly the current generation), within the update
        budget; None when the build failed, and from then on until the store is reopened
        (the store is too big for the budget or the memory ceiling: updates are tried on
        views, as without a mirror)."""
        if self._mirror_failed:
            return None
        generation = self._changes.generation
        try:
            with self._pinned_view() as view:
                self.update_workers.run(BuildMirror(view, generation, self.update_timeout_s))
        except TriskelError as exc:
            self._mirror_failed = True
            log.warning("no mirror of the store for update trials, views instead: %s", exc)
            return None
        self._changes.mirror_at(generation)
        return self._changes.since(generation)

    def _checkpoint_trial(self, trial: DeltaTrial) -> QuadDelta:
        """Run the trial on a writable checkpoint of its own (a writable one cannot be
        shared), deleted afterwards; named like the views, so a crash's leftovers are deleted
        at the next start."""
        folder = self.path.with_name(f"{self.path.name}.view-update-{uuid.uuid4().hex}")
        try:
            with self._rw.reading():
                self._db.backup(str(folder))
            done: QuadDelta = self.update_workers.run(
                replace(trial, view=str(folder), writable=True)
            )
            return done
        except OSError as exc:
            raise self._failure("the update could not be tried and changed nothing", exc) from exc
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _write(self, delta: QuadDelta) -> None:
        """Write a delta in one step, readers held off: an addition in one transaction,
        anything else under the undo log, undone at once if a write fails."""
        if not delta:
            return
        written: QuadDelta | None = None
        failure: StoreError | None = None
        with self._rw.writing():
            try:
                if needs_log(delta):
                    self._undo.write(delta)
                    write_delta(self._db, delta)
                    self._undo.commit()
                else:
                    self._db.extend(delta.added)  # one transaction: all or nothing
                written = delta
            except OSError as exc:
                failure = self._failure("the update failed and changed nothing", exc)
            finally:
                self._written(written)
            if failure is not None:
                self._undo_now()
                raise failure

    def _undo_now(self) -> None:
        """Undo a failed write's part at once, on the open database. Only if that fails too
        (the disk still full) is the database let go, for the next access to reopen it and
        undo then. This runs after the `except` block, so the failed call's frames (which
        hold the database) are gone: a reopen in the same process would otherwise find
        RocksDB's lock still held."""
        try:
            self._undo.recover(self._db)
        except OSError:
            self._database = None
            gc.collect()

    def load(
        self,
        data: bytes | IO[bytes],
        *,
        media_type: str,
        graph: str | None,
        replace: bool = False,
        source: str | None = None,
        keep_graphs: bool = False,
        triples: int | None = None,
    ) -> int:
        """Parse everything once to check it, then write it all or nothing.

        `data` may be bytes or a binary file object (read whole first). With `keep_graphs`,
        a dataset format's quads stay in the graphs they name (`replace` then replaces each
        of those graphs). See `Store.load`.
        """
        fmt = rdf_format_for(media_type)
        keep_graphs = keep_graphs and fmt.is_dataset
        blob = read_body(data)
        checked = self.check_upload(
            blob, fmt, graph=graph, source=source, keep_graphs=keep_graphs, triples=triples
        )
        target = None if keep_graphs else graph_node(graph)
        write = _Write(blob, fmt, target, checked.graphs)
        small = checked.quads < self.bulk_threshold
        written: QuadDelta | None = None
        with self._write_lock:
            try:
                quads = self._quads(write) if small else None
                if replace or quads is None:
                    self._bulk_write(write, replace=replace, quads=quads)
                else:
                    self._db.extend(quads)
                    self._create_named(write.graphs)
                if quads is not None:
                    written = _loaded(write, quads, replace=replace)
            except SyntaxError as exc:
                raise syntax_error(exc, source) from None
            except OSError as exc:
                raise self._failure("the load failed and changed nothing", exc) from exc
            finally:
                self._written(written)
        return checked.quads

    def _quads(self, write: _Write) -> list[Quad]:
        """The quads of a small upload as its load writes them: blank nodes renamed apart
        from every other document's (as pyoxigraph's own load does), the default graph's
        quads in the target. Written from this list, so the mirror gets the very quads."""
        quads = read_quads(
            write.data,
            write.fmt,
            base_iri=write.base_iri,
            rename_blank_nodes=True,
            max_nesting=self.max_rdf_nesting,
        )
        to = write.to
        if to is None:
            return list(quads)
        return [
            Quad(q.subject, q.predicate, q.object, to)
            if isinstance(q.graph_name, DefaultGraph)
            else q
            for q in quads
        ]

    def _bulk_write(self, write: _Write, *, replace: bool, quads: list[Quad] | None) -> None:
        """Bulk write inside the journal (the `quads` of a small upload, else a bulk load
        of its bytes); on any failure the checkpoint is put back."""
        with self._rw.writing():
            try:
                self._journal.begin(self._db)
                if replace:
                    for target in write.graphs:
                        self._db.remove_graph(target)
                if quads is not None:
                    self._db.extend(quads)
                else:
                    _bulk_load(self._db, write)
                self._create_named(write.graphs)
                self._journal.commit(self._db)
            except BaseException as exc:
                traceback.clear_frames(exc.__traceback__)  # they may still hold the database
                self._restore()
                raise

    def _create_named(self, targets: frozenset[GraphName]) -> None:
        """Named target graphs exist afterwards even when the upload was empty."""
        for target in targets:
            if isinstance(target, NamedNode):
                self._db.add_graph(target)

    def _restore(self) -> None:
        """Close the database, put the journal's checkpoint back, reopen. When that fails
        (a full disk), the next call of `_db` tries again."""
        self._database = None
        gc.collect()
        try:
            self._journal.recover()
            self._database = self._open()
        except (OSError, StoreError):
            log.exception("the store could not be restored yet; retrying at the next request")

    def delete_graph(self, graph: str | None) -> None:
        """Drop a named graph (`NotFoundError` if absent) or empty the default graph."""
        node = graph_node(graph)
        with self._write_lock:
            if isinstance(node, NamedNode) and not self._db.contains_named_graph(node):
                raise NotFoundError(f"no graph {graph}")
            written: QuadDelta | None = None
            try:
                self._db.remove_graph(node)
                if isinstance(node, NamedNode):
                    written = QuadDelta(dropped=frozenset({node}))
                else:
                    written = QuadDelta(emptied=frozenset({node}))
            except OSError as exc:
                raise self._failure("the delete failed and changed nothing", exc) from exc
            finally:
                self._written(written)

    # -- reads ---------------------------------------------------------------------------

    def export(self, graph: str | None, *, media_type: str, dataset: bool = False) -> bytes:
        """One graph in any RDF format, or with `dataset=True` all graphs (N-Quads/TriG)."""
        fmt = rdf_format_for(media_type)
        with self._rw.reading():
            if dataset:
                if not fmt.is_dataset:
                    raise UnsupportedFormatError(f"{fmt.media_type} cannot hold named graphs")
                return self._db.dump(format=fmt.oxigraph, prefixes=EXPORT_PREFIXES) or b""
            node = graph_node(graph)
            if isinstance(node, NamedNode) and not self._db.contains_named_graph(node):
                raise NotFoundError(f"no graph {graph}")
            dumped = self._db.dump(format=fmt.oxigraph, from_graph=node, prefixes=EXPORT_PREFIXES)
            return dumped or b""

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        with self._rw.reading():
            return _named(self._db)

    def export_graphs(
        self, select: Callable[[list[str]], Sequence[str | None]], *, media_type: str
    ) -> list[tuple[str | None, bytes]]:
        """The graphs `select` picks from the sorted named graphs, all read from one state
        (`_checkpoint`)."""
        fmt = rdf_format_for(media_type)
        with self._checkpoint() as view:
            return [
                (name, view.dump(format=fmt.oxigraph, from_graph=graph_node(name)) or b"")
                for name in select(_named(view))
            ]

    def read_pieces(self, select: Callable[[list[str]], Sequence[str | None]]) -> Iterator[bytes]:
        """The selected graphs as N-Triples in pieces, one per graph and predicate, read
        from one state (`_checkpoint`) on `READ_THREADS` threads, at most `READ_AHEAD` pieces
        ahead of the reader.

        Reading a term out of the on-disk store is a lookup per term (some 6 µs a triple of
        an imported mailbox); pieces read side by side, and parsed by the caller while the
        next are read, took the 2.4M triples of 100k messages from 19 s (a dump, then its
        parse) to 12 s. A stored blank node has one label in every piece, as in a dump."""
        with self._checkpoint() as view:
            jobs = [
                (graph, predicate)
                for name in select(_named(view))
                for graph in [graph_node(name)]
                for predicate in _predicates(view, graph)
            ]
            with ThreadPoolExecutor(READ_THREADS, thread_name_prefix="store-read") as pool:
                ahead: deque[Future[bytes]] = deque()
                try:
                    for job in jobs:
                        ahead.append(pool.submit(_piece, view, *job))
                        if len(ahead) >= READ_AHEAD:
                            yield ahead.popleft().result()
                    while ahead:
                        yield ahead.popleft().result()
                finally:
                    for future in ahead:
                        future.cancel()

    @contextmanager
    def _checkpoint(self) -> Iterator[OxStore]:
        """A read-only view of one state of the store, for reading it all.

        Separate `graphs()` and `export()` calls could each see a different state (a graph
        deleted in between, a write landing between two exports). Here a RocksDB checkpoint
        (hard links, milliseconds, atomic) is taken under the read lock and opened read-only,
        so every graph comes from the same instant while writers go on.

        The store is compacted first (`optimize`, nothing to do on a compacted store). A bulk
        load leaves its files overlapping, and every term read from them is looked up in each:
        the first validation of a fresh 100k-message import read it in 75 s, against 43 s
        after a compaction of 4.5 s.
        """
        folder = Path(tempfile.mkdtemp(prefix=self.path.name + ".view-", dir=self.path.parent))
        try:
            try:
                self._db.optimize()  # a read of everything: worth compacting first
                with self._rw.reading():
                    self._db.backup(str(folder / "db"))
                view = OxStore.read_only(str(folder / "db"))
            except OSError as exc:
                raise self._failure("the store could not be read", exc) from exc
            try:
                yield view
            except OSError as exc:
                raise self._failure("the store could not be read", exc) from exc
            finally:
                del view
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def count(self, graph: str | None = None, *, all_graphs: bool = False) -> int:
        """Triples in one graph (counted by the engine), or quads in the whole dataset."""
        with self._rw.reading():
            if all_graphs:
                return len(self._db)
            node = graph_node(graph)
            answer = self._db.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", default_graph=node)
            assert isinstance(answer, QuerySolutions)
            return int(next(iter(answer))["n"].value)

    def size(self) -> tuple[int, int]:
        """Quads and named graphs, counted again only after a write: counting is linear in
        the store and holds the GIL (0.3 s at 500k quads), and `/health` may be polled many
        times a second. While a write holds the store past `SIZE_WAIT_S` (a bulk load, for
        minutes), the size counted last: readers would see the state before that write, and
        a probe that queued behind it told a busy server from a dead one no better than a
        timeout. With the database gone (a failed restore) the count is tried again, and
        fails as every other read does."""
        if self._closed:
            raise StoreError("the store is closed")
        generation, counted = self._changes.generation, self._counted
        if counted is not None and counted[0] == generation and self._database is not None:
            return counted[1]
        try:
            with self._rw.reading(wait_s=None if counted is None else SIZE_WAIT_S):
                db = self._db
                size = len(db), len(_named(db))
        except TimeoutError:
            assert counted is not None
            return counted[1]
        self._counted = (generation, size)
        return size

    def close(self) -> None:
        """Flush and release the database; closing twice is harmless."""
        self.workers.close()
        self.update_workers.close()
        with self._write_lock, self._rw.writing():
            self._closed = True
            db, self._database = self._database, None
            if db is not None:
                try:
                    db.flush()  # committed writes are in the write-ahead log already
                except OSError as exc:
                    log.warning("the store could not flush on close: %s", self._reason(exc))
                del db
                gc.collect()
            for view in self._views:
                shutil.rmtree(view, ignore_errors=True)
            self._owner.release()


def _loaded(write: _Write, quads: list[Quad], *, replace: bool) -> QuadDelta:
    """What a small load wrote, for the mirror: its quads (some may have been there
    already, which writing them again leaves so), its named targets, and with `replace`
    those targets cleared first."""
    named = frozenset(g for g in write.graphs if isinstance(g, NamedNode))
    cleared = frozenset(g for g in write.graphs if isinstance(g, NamedNode | DefaultGraph))
    return QuadDelta(
        added=frozenset(quads), created=named, emptied=cleared if replace else frozenset()
    )


def _bulk_load(db: OxStore, write: _Write) -> None:
    """Bulk load an upload's pieces, `BULK_LOAD_THREADS` at a time (pyoxigraph lets go of
    the GIL while it loads). A piece is cut from the upload only when it can start or is
    next, so the copies stay bounded; the first failure is raised once every started piece
    is done, and the caller's journal puts the store back. No closure holds `db`: a failed
    write's traceback must not keep the database open while the journal reopens it."""
    with ThreadPoolExecutor(BULK_LOAD_THREADS, thread_name_prefix="bulk-load") as pool:
        running: set[Future[None]] = set()
        for piece in _pieces(write):
            if len(running) == BULK_LOAD_THREADS:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()
            running.add(
                pool.submit(
                    db.bulk_load,
                    piece,
                    write.fmt.oxigraph,
                    base_iri=write.base_iri,
                    to_graph=write.to,
                    lenient=True,
                )
            )
        for future in running:
            future.result()


def _pieces(write: _Write) -> Iterator[bytes]:
    """The upload in `BULK_PIECES` pieces of whole lines (within `BULK_PIECE_BOUNDS`), for a
    line-based format without blank nodes (each `bulk_load` call renames its blank nodes
    apart, so a document with any is one piece, as is every other format)."""
    data = write.data
    if write.fmt.oxigraph not in LINE_FORMATS or b"_:" in data:
        yield data
        return
    low, high = BULK_PIECE_BOUNDS
    size = min(max(len(data) // BULK_PIECES, low), high)
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + size) + 1 or len(data)
        yield data[start:end] if start or end < len(data) else data
        start = end


def _named(db: OxStore) -> list[str]:
    """The IRIs of a database's named graphs, sorted."""
    return sorted(g.value for g in db.named_graphs() if isinstance(g, NamedNode))


@dataclass(frozen=True, slots=True)
class _Write:
    """A checked upload ready to write: its bytes, format, target and the graphs it fills.
    Its bulk load parses leniently (no IRI validated again: 40 s where a strict parse took
    44 to 47 s for the 7.7M triples of a million-event import): either a strict parse has
    read it all already, or the caller wrote it itself with well-formed terms (an import's
    IRIs are percent-encoded, `service.importers.contract`); a line that does not read is
    refused all the same, and then nothing changes."""

    data: bytes
    fmt: Format
    to: NamedNode | DefaultGraph | None
    graphs: frozenset[GraphName]

    @property
    def base_iri(self) -> str | None:
        """Relative IRIs resolve against the target graph."""
        return self.to.value if isinstance(self.to, NamedNode) else None


def _predicates(view: OxStore, graph: GraphName) -> list[NamedNode]:
    """The predicates of one graph (the engine reads the graph's index without decoding a
    term but the answers)."""
    inner = "?s ?p ?o" if isinstance(graph, DefaultGraph) else f"GRAPH {graph} {{ ?s ?p ?o }}"
    answer = view.query(f"SELECT DISTINCT ?p WHERE {{ {inner} }}")
    assert isinstance(answer, QuerySolutions)
    return [row["p"] for row in answer if isinstance(row["p"], NamedNode)]


def _piece(view: OxStore, graph: GraphName, predicate: NamedNode) -> bytes:
    """The triples of one graph with one predicate, as N-Triples."""
    pattern = f"?s {predicate} ?o"
    inner = pattern if isinstance(graph, DefaultGraph) else f"GRAPH {graph} {{ {pattern} }}"
    answer = view.query(f"CONSTRUCT {{ {pattern} }} WHERE {{ {inner} }}")
    assert isinstance(answer, QueryTriples)
    return answer.serialize(format=RdfFormat.N_TRIPLES) or b""
