"""The one storage interface every backend implements (embedded Oxigraph, remote SPARQL 1.1).

Terms crossing this interface are pyoxigraph terms (`NamedNode`, `BlankNode`, `Literal`,
`DefaultGraph`) whatever the backend, so callers never care where the data lives.
A graph is named by its IRI string; `None` means the default graph.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from pyoxigraph import BlankNode, Literal, NamedNode

from service.errors import NotFoundError
from service.rdf.formats import NTRIPLES, Format
from service.rdf.reader import Checked, check_rdf, graph_node
from service.rdf.textguard import MAX_NESTING
from service.store.delta import QuadDelta
from service.store.scan import check_operations, silence_refused_services
from service.store.syntax import check_update_syntax
from service.store.system_graphs import check_update as check_system_graphs
from service.store.system_graphs import check_writable
from service.store.workers import Task, WorkerPool

Term = NamedNode | BlankNode | Literal
Row = dict[str, Term]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A query answer already serialised for the protocol: bytes plus their media type.

    `truncated` is True when the row cap cut the answer (never silent: the API says so in a
    header and the CLI on stderr).
    """

    body: bytes
    media_type: str
    truncated: bool = False


class Store(ABC):
    """All-or-nothing loads, atomic updates, SPARQL 1.1 queries over the union default graph."""

    @abstractmethod
    def select(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        """Run a SELECT; rows map variable names (no `?`) to terms; unbound vars are absent."""

    @abstractmethod
    def ask(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK."""

    @abstractmethod
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
        """Run any query form and serialise the answer in the negotiated `accept` type.

        Relative IRIs in the text resolve against `base_iri` (the protocol endpoint's URL).
        """

    allowed_hosts: str = ""
    """Hosts `LOAD` and `SERVICE` may reach (`TRISKEL_ALLOWED_HOSTS`); none by default."""
    max_rdf_nesting: int = MAX_NESTING
    """Deepest bracket nesting read in an upload (`TRISKEL_MAX_RDF_NESTING`)."""

    def check_upload(
        self,
        data: bytes,
        fmt: Format,
        *,
        graph: str | None,
        source: str | None,
        keep_graphs: bool,
        triples: int | None = None,
    ) -> Checked:
        """What every backend checks before an upload is written, for every caller (the API,
        `triskel load`, the service itself): the target may be written (a system graph is
        `ForbiddenOperationError` unless the service writes it, `service.store.system_graphs`),
        the data reads (the guarded reader's `check_rdf`), and every graph it fills may be
        written too (a dataset's own graph names, with `keep_graphs`).

        For a document in a triple format the caller wrote itself (`triples`, its count: an
        import's N-Triples) only the target is checked: the checking parse is a sixth of a
        big load's time and such a document names no graph. The caller vouches for its terms
        (the write's parse does not validate IRIs again); a line that does not read is still
        refused by the write's own parse, and then nothing changes."""
        check_writable([graph])
        if triples is not None and not fmt.is_dataset:
            return Checked(triples, frozenset({graph_node(graph)}))
        checked = check_rdf(
            data,
            fmt,
            graph=graph,
            source=source,
            keep_graphs=keep_graphs,
            max_nesting=self.max_rdf_nesting,
        )
        check_writable(name.value for name in checked.graphs if isinstance(name, NamedNode))
        return checked

    def check_update(self, update: str, *, base_iri: str | None = None) -> str:
        """What every backend checks before an update reaches an engine, in this order so the
        caller hears of the first problem: syntax (400 with its position), then policy
        (`LOAD` / `SERVICE`, then writes that may reach a system graph: 403,
        `service.store.system_graphs`). A refused update never runs anywhere.

        Returns the update to run: the text with each `SERVICE SILENT` the policy refuses
        replaced by the empty group, what a SILENT service that failed gives (as for queries,
        `scan.silence_refused_services`); a `WHERE` that joins with it keeps its solutions.

        A dataset (`USING`, `using-graph-uri`) naming a graph the store does not hold is an
        empty graph, as in Fuseki and Oxigraph: the engines read datasets from the store only
        and never fetch one, so there is nothing to refuse."""
        check_update_syntax(update, base_iri)
        runs = silence_refused_services(update, allowed_hosts=self.allowed_hosts)
        check_operations(runs, allowed_hosts=self.allowed_hosts)
        check_system_graphs(runs, base_iri, self.graphs)
        return runs

    @abstractmethod
    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL 1.1 Update atomically: all operations or none.

        A syntax error is reported before any policy refusal (`LOAD`, `SERVICE`); relative
        IRIs resolve against `base_iri`. An update that fails by the rules of SPARQL 1.1
        Update itself (`DROP` of an absent graph without `SILENT`) is an
        `OperationFailedError`, and changes nothing.
        """

    computes_update_deltas = False
    """True when `update_with_delta` knows an update's delta before writing it."""

    def update_with_delta(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        check: Callable[[QuadDelta], None] | None = None,
    ) -> QuadDelta | None:
        """Apply an update as `update` does and return what it changed: the quads it
        removed and added (real changes only) and the named graphs it created and dropped.

        A store that `computes_update_deltas` calls `check` with the delta before writing
        it, under its write lock, and writes nothing when `check` raises: the guard's
        check and the write are one step. None when the backend cannot tell: this default,
        for engines reached over SPARQL 1.1, which apply an update without saying what it
        changed (and so never call `check`). The embedded store computes the delta before
        it applies it (`EmbeddedStore.update_with_delta`).
        """
        self.update(update, base_iri=base_iri)
        return None

    def update_delta(self, update: str, *, base_iri: str | None = None) -> QuadDelta | None:
        """The delta `update_with_delta` would return for `update` on the current state,
        with nothing written (a what-if); None when the backend cannot tell without applying
        it (this default). Raises what applying the update would raise."""
        self.check_update(update, base_iri=base_iri)
        return None

    @abstractmethod
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
        """Parse `data` (bytes or a binary file) and add it to `graph` (or replace it) atomically.

        The whole body is parsed before anything is written. Triples go to `graph`; in a
        dataset format (N-Quads, TriG, JSON-LD) quads of the default graph go there too and a
        quad naming any other graph is an `InputError` — unless `keep_graphs=True`, which keeps
        every quad in the graph it names (`replace` then replaces each of those graphs).
        Returns the number of triples parsed. Raises `RDFSyntaxError` naming `source`, line
        and column, `UnsupportedFormatError` for an unknown media type; on any error the store
        is unchanged. `triples`: the triple count of a document the caller wrote itself
        (`check_upload`), which then is parsed once, by the write.
        """

    @abstractmethod
    def delete_graph(self, graph: str | None) -> None:
        """Remove a named graph (or clear the default graph). `NotFoundError` if absent."""

    @abstractmethod
    def export(self, graph: str | None, *, media_type: str, dataset: bool = False) -> bytes:
        """Serialise one graph, or with `dataset=True` every graph as N-Quads/TriG."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""

    def has_graph(self, graph: str) -> bool:
        """True when the named graph `graph` exists (a write asks before it creates one)."""
        return graph in self.graphs()

    def export_graphs(
        self, select: Callable[[list[str]], Sequence[str | None]], *, media_type: str
    ) -> list[tuple[str | None, bytes]]:
        """Serialise the graphs `select` picks from `graphs()` (None: the default graph).

        The embedded store reads them all from one state. This default, for engines reached
        over SPARQL 1.1 (which has no multi-request snapshot), exports them one by one and
        leaves out a graph deleted meanwhile rather than failing.
        """
        exported: list[tuple[str | None, bytes]] = []
        for name in select(self.graphs()):
            try:
                exported.append((name, self.export(name, media_type=media_type)))
            except NotFoundError:
                continue
        return exported

    def read_pieces(self, select: Callable[[list[str]], Sequence[str | None]]) -> Iterator[bytes]:
        """The triples of the graphs `select` picks (as in `export_graphs`), as N-Triples in
        pieces, all read from one state and in no set order; a blank node keeps its label in
        every piece. This default gives each graph whole."""
        for _, body in self.export_graphs(select, media_type=NTRIPLES):
            yield body

    def run_in_worker(self, pool: WorkerPool, task_for: Callable[[str | None], Task]) -> Any:
        """Run the task `task_for(view)` in one of `pool`'s worker processes; its value.

        `view` is the folder of a read-only view of the store's current state, which the
        worker opens in place (`Views.open`), kept on disk while a worker may read it; None
        when the backend has no views (engines reached over SPARQL 1.1), and the task then
        carries the data it needs. `task_for` runs here, in the caller's process.
        """
        return pool.run(task_for(None))

    @abstractmethod
    def count(self, graph: str | None = None, *, all_graphs: bool = False) -> int:
        """Number of triples in one graph, or quads in the whole dataset."""

    def size(self) -> tuple[int, int]:
        """Quads in the whole dataset and named graphs, for `/health`: a probe that must
        answer at once, whatever else the store is doing."""
        return self.count(all_graphs=True), len(self.graphs())

    @abstractmethod
    def close(self) -> None:
        """Release files and connections."""
