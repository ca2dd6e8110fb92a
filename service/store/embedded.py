"""The embedded store: pyoxigraph on disk, all-or-nothing loads, bounded queries.

Every upload is parsed completely once (`check_rdf`) before anything is written. Writes are
serialised by one lock. A small add is then one RocksDB transaction (`Store.load`); a big add
or any replace is pyoxigraph's `bulk_load` inside the checkpoint journal
(`service.store.journal`), with readers held off: as fast as `bulk_load` plus one parse, and
still all-or-nothing, also across SIGKILL.

Queries run on a worker pool with a deadline (`service.store.deadline`); the default graph
is the union of all graphs unless the caller names a dataset.
"""

from __future__ import annotations

import gc
import logging
import shutil
import tempfile
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from pyoxigraph import DefaultGraph, NamedNode, QueryBoolean, QuerySolutions, Variable
from pyoxigraph import Store as OxStore

from service.errors import (
    InputError,
    LimitExceededError,
    NotFoundError,
    StoreError,
    UnsupportedFormatError,
)
from service.rdf.formats import EXPORT_PREFIXES, Format, rdf_format_for
from service.rdf.reader import GraphName, check_rdf, graph_node, read_body, syntax_error
from service.rdf.textguard import MAX_NESTING
from service.settings import Settings
from service.store.base import QueryResult, Row, Store, Term
from service.store.deadline import Deadline, QueryRunner
from service.store.journal import Journal
from service.store.locks import ProcessLock, ReadWriteLock
from service.store.results import Answer, capped, serialise
from service.store.scan import check_nesting, check_operations, has_dataset_clause
from service.store.syntax import query_syntax_error, unknown_functions

T = TypeVar("T")
log = logging.getLogger(__name__)

BULK_THRESHOLD = 100_000
"""From this many quads an add goes through the journalled bulk path (faster than one
transaction, which holds every write in memory until commit)."""


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
    ) -> None:
        self.path = path
        self.query_timeout_s = query_timeout_s
        self.max_rows = max_rows
        self.allowed_hosts = allowed_hosts
        self.max_rdf_nesting = max_rdf_nesting
        self.bulk_threshold = bulk_threshold
        self._journal = Journal(path)
        self._owner = ProcessLock(path)
        self._rw = ReadWriteLock()
        self._write_lock = threading.Lock()
        self._reopen_lock = threading.Lock()
        self._database: OxStore | None = None
        self._closed = False
        self.runner = QueryRunner()
        self._owner.acquire()  # before recovery: it may replace the folder another uses
        try:
            self._journal.recover()
            for view in path.parent.glob(path.name + ".view-*"):  # left by a crash
                shutil.rmtree(view, ignore_errors=True)
            self._database = self._open()
        except BaseException:
            self.runner.close()
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
        )

    def _open(self) -> OxStore:
        try:
            return OxStore(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store: {self._reason(exc)}") from exc

    def _reason(self, exc: OSError) -> str:
        """An OS error's text without the store's location (answers never name server paths)."""
        return (
            str(exc)
            .replace(str(self.path.parent.resolve()), "…")
            .replace(str(self.path.parent), "…")
        )

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
                    raise StoreError(f"the store is unavailable: {self._reason(exc)}") from exc
                self._database = self._open()
            return self._database

    # -- queries -------------------------------------------------------------------------

    def _answer(
        self,
        query: str,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        substitutions: Mapping[str, Term] | None,
        base_iri: str | None = None,
    ) -> Answer:
        """Parse and start a query (pyoxigraph parses eagerly, evaluates lazily)."""
        dataset: dict[str, object] = {"use_default_graph_as_union": not has_dataset_clause(query)}
        if default_graph_uris or named_graph_uris:
            dataset = {
                "default_graph": [graph_node(g) for g in default_graph_uris],
                "named_graphs": [graph_node(g) for g in named_graph_uris] or None,
            }
        bound = {Variable(k): v for k, v in (substitutions or {}).items()}
        try:
            return self._db.query(  # type: ignore[call-overload]
                query,
                substitutions=bound or None,
                base_iri=base_iri,
                custom_functions=unknown_functions(query, base_iri),
                **dataset,
            )
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        except RuntimeError as exc:
            raise InputError(f"the query cannot be run: {exc}") from None
        except OSError as exc:
            raise StoreError(f"the store failed to run the query: {exc}") from exc

    def _bounded(
        self,
        query: str,
        work: Callable[[Deadline], T],
        graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> T:
        """Check the text and its dataset, then run `work` on a query worker, under the
        read lock, in time."""
        check_nesting(query)
        check_operations(query, allowed_hosts=self.allowed_hosts)
        self.check_dataset(query, graphs, base_iri=base_iri)

        def locked(deadline: Deadline) -> T:
            with self._rw.reading():
                return work(deadline)

        return self.runner.run(locked, self.query_timeout_s)

    def select(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        """Rows of a SELECT; `LimitExceededError` past the timeout or over `max_rows` rows."""

        def work(deadline: Deadline) -> list[Row]:
            answer = self._answer(query, (), (), substitutions)
            if not isinstance(answer, QuerySolutions):
                raise InputError("select() needs a SELECT query")
            names = [v.value for v in answer.variables]
            rows, truncated = capped(answer, self.max_rows, deadline)
            if truncated:
                raise LimitExceededError(f"the query gives more than {self.max_rows} rows")
            return [{n: row[n] for n in names if row[n] is not None} for row in rows]

        return self._bounded(query, work)

    def ask(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> bool:
        """The answer of an ASK."""

        def work(deadline: Deadline) -> bool:
            answer = self._answer(query, (), (), substitutions)
            if not isinstance(answer, QueryBoolean):
                raise InputError("ask() needs an ASK query")
            return bool(answer)

        return self._bounded(query, work)

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
        """Run any query form; serialise in `accept` (one canonical media type).

        `accept` must suit the query form: a SPARQL results type for SELECT/ASK, an RDF type
        for CONSTRUCT/DESCRIBE (`NotAcceptableError` otherwise). At most `max_rows` rows or
        triples are returned, with `truncated=True` when more existed.
        """

        def work(deadline: Deadline) -> QueryResult:
            answer = self._answer(
                query, default_graph_uris, named_graph_uris, substitutions, base_iri
            )
            done = serialise(answer, accept, max_rows=self.max_rows, deadline=deadline)
            return QueryResult(done.body, done.media_type, done.truncated)

        graphs = [*default_graph_uris, *named_graph_uris]
        return self._bounded(query, work, graphs, base_iri)

    # -- writes --------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update in one transaction; refused `LOAD`/`SERVICE` never run."""
        self.check_update(update, base_iri=base_iri)
        with self._write_lock:
            try:
                self._db.update(update, base_iri=base_iri)
            except SyntaxError as exc:
                raise query_syntax_error(exc) from None
            except RuntimeError as exc:
                raise InputError(f"the update failed and changed nothing: {exc}") from None
            except OSError as exc:
                raise StoreError(f"the update failed and changed nothing: {exc}") from exc

    def load(
        self,
        data: bytes | IO[bytes],
        *,
        media_type: str,
        graph: str | None,
        replace: bool = False,
        source: str | None = None,
        keep_graphs: bool = False,
    ) -> int:
        """Parse everything once to check it, then write it all or nothing.

        `data` may be bytes or a binary file object (read whole first). With `keep_graphs`,
        a dataset format's quads stay in the graphs they name (`replace` then replaces each
        of those graphs). See `Store.load`.
        """
        fmt = rdf_format_for(media_type)
        keep_graphs = keep_graphs and fmt.is_dataset
        blob = read_body(data)
        checked = check_rdf(
            blob,
            fmt,
            graph=graph,
            source=source,
            keep_graphs=keep_graphs,
            max_nesting=self.max_rdf_nesting,
        )
        write = _Write(blob, fmt, None if keep_graphs else graph_node(graph), checked.graphs)
        with self._write_lock:
            try:
                if replace or checked.quads >= self.bulk_threshold:
                    self._bulk_write(write, replace=replace)
                else:
                    self._db.load(blob, fmt.oxigraph, base_iri=write.base_iri, to_graph=write.to)
                    self._create_named(write.graphs)
            except SyntaxError as exc:
                raise syntax_error(exc, source) from None
            except OSError as exc:
                raise StoreError(f"the load failed and changed nothing: {exc}") from exc
        return checked.quads

    def _bulk_write(self, write: _Write, *, replace: bool) -> None:
        """Bulk write inside the journal; on any failure the checkpoint is put back."""
        with self._rw.writing():
            try:
                self._journal.begin(self._db)
                if replace:
                    for target in write.graphs:
                        self._db.remove_graph(target)
                self._db.bulk_load(
                    write.data, write.fmt.oxigraph, base_iri=write.base_iri, to_graph=write.to
                )
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
            self._db.remove_graph(node)

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
        """The graphs `select` picks from the sorted named graphs, all read from one state.

        Separate `graphs()` and `export()` calls could each see a different state (a graph
        deleted in between, a write landing between two exports). Here a RocksDB checkpoint
        (hard links, milliseconds, atomic) is taken under the read lock and opened read-only,
        so every graph comes from the same instant while writers go on.
        """
        fmt = rdf_format_for(media_type)
        folder = Path(tempfile.mkdtemp(prefix=self.path.name + ".view-", dir=self.path.parent))
        try:
            with self._rw.reading():
                self._db.backup(str(folder / "db"))
            view = OxStore.read_only(str(folder / "db"))
            try:
                return [
                    (name, view.dump(format=fmt.oxigraph, from_graph=graph_node(name)) or b"")
                    for name in select(_named(view))
                ]
            finally:
                del view
        except OSError as exc:
            raise StoreError(f"the store could not be read: {self._reason(exc)}") from exc
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
            return int(next(iter(answer))["n"].value)  # type: ignore[union-attr]

    def close(self) -> None:
        """Flush and release the database; closing twice is harmless."""
        self.runner.close()
        with self._write_lock, self._rw.writing():
            self._closed = True
            db, self._database = self._database, None
            if db is not None:
                db.flush()
                del db
                gc.collect()
            self._owner.release()


def _named(db: OxStore) -> list[str]:
    """The IRIs of a database's named graphs, sorted."""
    return sorted(g.value for g in db.named_graphs() if isinstance(g, NamedNode))


@dataclass(frozen=True, slots=True)
class _Write:
    """A checked upload ready to write: its bytes, format, target and the graphs it fills."""

    data: bytes
    fmt: Format
    to: NamedNode | DefaultGraph | None
    graphs: frozenset[GraphName]

    @property
    def base_iri(self) -> str | None:
        """Relative IRIs resolve against the target graph."""
        return self.to.value if isinstance(self.to, NamedNode) else None
