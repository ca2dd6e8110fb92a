"""What a validation of the store reads, and the fingerprint that names that state.

A validation of the store reads its default graph and every named graph (the ontology graph
included) except the system graphs (kept reports `urn:triskel:report:...`, the findings ledger
`urn:triskel:ledger`): a past report is not data, and keeping it out means validating twice in
a row sees the same data and gives the same fingerprint. With the rules over analytics on
(`TRISKEL_ANALYTICS_RULES`, `analytics=True` here) it also reads the one system graph those
rules need, the network analytics `urn:triskel:analytics` (`service.validation.analytics`
decides whether its values are current enough to be used).

The fingerprint is the SHA-256 of the canonical dataset: one N-Quads statement per line,
sorted, with blank nodes relabelled canonically (`service.reports.canonical`: W3C RDFC-1.0
where that is cheap, bounded colour refinement where blank nodes look alike). So the same
data gives the same fingerprint whatever blank-node labels a load or an export chose, and in
whatever order the graphs were listed, in time linear in the data.

A snapshot keeps each graph as the N-Triples the store exported (bytes, not Python terms):
at 100k triples, building term objects would cost more than the validation itself. A
validation of the embedded store needs no snapshot: it reads a view of the store in place
(`validated_graphs_of`, `fingerprint_of`, in a validation worker).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from service.errors import NotFoundError
from service.rdf.formats import NTRIPLES
from service.rdf.reader import graph_node
from service.reports.canonical import canonical_hash
from service.store.base import Store
from service.store.system_graphs import ANALYTICS_GRAPH, engine_graphs, is_system_graph
from service.validation.rdfio import Source

REPORT_GRAPH_PREFIX = "urn:triskel:report:"
"""Every kept report lives in a named graph whose IRI starts with this."""


def validated_graphs(names: Iterable[str], *, analytics: bool = False) -> list[str]:
    """The named graphs a validation of the store reads: all but the system graphs (kept
    reports, the findings ledger: `service.store.system_graphs`), except the analytics graph
    when `analytics` (the rules over analytics read it), and but the engine's own graphs
    (`engine_graphs`: Virtuoso's `virtrdf:` and the others it writes for itself).

    >>> validated_graphs(["urn:x", "urn:triskel:analytics", "urn:triskel:report:1"])
    ['urn:x']
    >>> validated_graphs(["urn:x", "urn:triskel:analytics"], analytics=True)
    ['urn:x', 'urn:triskel:analytics']
    >>> validated_graphs(["urn:x", "http://www.openlinksw.com/schemas/virtrdf#"])
    ['urn:x']
    """
    listed = list(names)
    engine = engine_graphs(listed)
    return [
        name
        for name in listed
        if name not in engine
        and (not is_system_graph(name) or (analytics and name == ANALYTICS_GRAPH))
    ]


def validated_graphs_of(
    db: ox.Store, scope: str | None = None, *, analytics: bool = False
) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The graphs of a pyoxigraph store a validation reads: the named graph `scope`
    (`NotFoundError` if absent), or the default graph and every named graph but the
    report-history ones (and the analytics graph unless `analytics`)."""
    if scope is not None:
        node = graph_node(scope)
        if isinstance(node, ox.NamedNode) and not db.contains_named_graph(node):
            raise NotFoundError(f"no graph {scope}")
        return [node]
    names = [g.value for g in db.named_graphs() if isinstance(g, ox.NamedNode)]
    kept = validated_graphs(sorted(names), analytics=analytics)
    return [ox.DefaultGraph(), *(ox.NamedNode(n) for n in kept)]


def store_sources(store: Store, *, analytics: bool = False) -> Iterator[Source]:
    """What a validation of the whole store reads (as `Snapshot.of_store`), as N-Triples
    sources given as the store reads them (`Store.read_pieces`), so a validation parses
    each while the next is read. A piece without a blank node is a source of its own; the
    others are joined into one last source, so a blank node met in two stays one node."""

    def select(names: list[str]) -> list[str | None]:
        return [None, *validated_graphs(names, analytics=analytics)]

    blank: list[bytes] = []
    for piece in store.read_pieces(select):
        if b"_:" in piece:
            blank.append(_ended(piece))
        elif piece:
            yield Source("store", piece, "nt")
    if blank:
        yield Source("store", b"".join(blank), "nt")


@dataclass(frozen=True)
class Snapshot:
    """The validated graphs: each graph's name (None: default) and its N-Triples."""

    graphs: tuple[tuple[str | None, bytes], ...]

    @classmethod
    def of_store(
        cls, store: Store, graph: str | None = None, *, analytics: bool = False
    ) -> Snapshot:
        """One named graph (`NotFoundError` if absent), or without `graph` the whole store
        less its system graphs (but the analytics graph when `analytics`), all read from one
        state of the store."""
        if graph is not None:
            return cls(((graph, store.export(graph, media_type=NTRIPLES)),))

        def select(names: list[str]) -> list[str | None]:
            return [None, *validated_graphs(names, analytics=analytics)]

        return cls(tuple(store.export_graphs(select, media_type=NTRIPLES)))

    @classmethod
    def of_memory(
        cls, store: ox.Store, scope: str | None = None, *, analytics: bool = False
    ) -> Snapshot:
        """The validated graphs of a pyoxigraph store: an in-memory one (a would-be state) or
        a read-only view of the embedded store, read in place. `scope` names one graph
        (`NotFoundError` if absent), and `analytics` adds the analytics graph, as in
        `validated_graphs_of`.

        Each graph is dumped by the engine in one call: on a view, decoding terms is most of
        the cost, and a dump decodes each quad once where a Python loop over the quads paid
        it again for the prepared data and again for the fingerprint."""

        def export(graph: ox.NamedNode | ox.DefaultGraph) -> tuple[str | None, bytes]:
            dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
            name = graph.value if isinstance(graph, ox.NamedNode) else None
            return name, dumped or b""

        graphs = validated_graphs_of(store, scope, analytics=analytics)
        return cls(tuple(export(graph) for graph in graphs))

    def source(self, name: str = "store") -> Source:
        """The triples of every graph as one N-Triples validation source (graphs merged;
        blank nodes keep the store's labels, so one shared by two graphs stays one)."""
        return Source(name, b"".join(_ended(body) for _, body in self.graphs), "nt")

    def nquads(self) -> bytes:
        """Every graph's triples as one N-Quads document."""
        return b"".join(_quad_lines(name, body) for name, body in self.graphs)

    def copy(self) -> ox.Store:
        """A private in-memory store holding these graphs (for trying a write on)."""
        store = ox.Store()
        store.load(self.nquads(), ox.RdfFormat.N_QUADS)
        for name, _ in self.graphs:
            if name is not None:
                store.add_graph(ox.NamedNode(name))
        return store

    def fingerprint(self) -> str:
        """`sha256:<hex>` of the canonical dataset (see the module docstring)."""
        return canonical_hash(self.nquads())


def _ended(body: bytes) -> bytes:
    return body if not body or body.endswith(b"\n") else body + b"\n"


def _quad_lines(name: str | None, body: bytes) -> bytes:
    """N-Triples lines (`s p o .`) of one graph as N-Quads lines of that graph."""
    if name is None:
        return _ended(body)
    suffix = f" <{name}> .".encode()
    lines = (line.rstrip()[:-1].rstrip() + suffix for line in body.splitlines() if line.strip())
    return b"".join(line + b"\n" for line in lines)
