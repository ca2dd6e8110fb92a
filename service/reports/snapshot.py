"""What a validation of the store reads, and the fingerprint that names that state.

A validation of the store reads its default graph and every named graph (the ontology graph
included) except the report-history graphs (`urn:triskel:report:...`): a past report is not
data, and keeping it out means validating twice in a row sees the same data and gives the
same fingerprint.

The fingerprint is the SHA-256 of the canonical dataset: the quads with blank nodes relabelled
by RDF Dataset Canonicalization (W3C RDFC-1.0, as pyoxigraph implements it), one N-Quads
statement per line, sorted. So the same data gives the same fingerprint whatever blank-node
labels a load or an export chose, and in whatever order the graphs were listed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from service.store.base import Store
from service.store.parsing import graph_node
from service.validation.rdfio import Source

REPORT_GRAPH_PREFIX = "urn:triskel:report:"
"""Every kept report lives in a named graph whose IRI starts with this."""

NTRIPLES = "application/n-triples"


def is_report_graph(name: str | None) -> bool:
    """True for a report-history graph, which validation and fingerprints leave out."""
    return name is not None and name.startswith(REPORT_GRAPH_PREFIX)


@dataclass(frozen=True)
class Snapshot:
    """The quads of the validated graphs, each in the graph it came from."""

    quads: tuple[ox.Quad, ...]

    @classmethod
    def of_store(cls, store: Store, graph: str | None = None) -> Snapshot:
        """One named graph (`NotFoundError` if absent), or without `graph` the whole store
        less its report-history graphs."""
        names = [graph] if graph is not None else [None, *validated_graphs(store.graphs())]
        quads: list[ox.Quad] = []
        for name in names:
            body = store.export(name, media_type=NTRIPLES)
            node = graph_node(name)
            quads.extend(
                ox.Quad(t.subject, t.predicate, t.object, node)
                for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
            )
        return cls(tuple(quads))

    @classmethod
    def of_memory(cls, store: ox.Store) -> Snapshot:
        """The validated quads of an in-memory pyoxigraph store (a would-be state)."""
        return cls(
            tuple(
                q
                for q in store
                if not isinstance(q.graph_name, ox.NamedNode)
                or not is_report_graph(q.graph_name.value)
            )
        )

    def nquads(self) -> bytes:
        """The quads as one N-Quads document."""
        return ox.serialize(self.quads, format=ox.RdfFormat.N_QUADS) or b""

    def source(self, name: str = "store") -> Source:
        """The quads as a validation source (its named graphs are merged when prepared)."""
        return Source(name, self.nquads(), "nquads")

    def copy(self) -> ox.Store:
        """A private in-memory store holding these quads (for trying a write on)."""
        store = ox.Store()
        store.extend(self.quads)
        return store

    def fingerprint(self) -> str:
        """`sha256:<hex>` of the canonical dataset (see the module docstring)."""
        return canonical_hash(self.quads)


def validated_graphs(names: Iterable[str]) -> list[str]:
    """The named graphs a validation of the store reads: all but the report-history ones."""
    return [name for name in names if not is_report_graph(name)]


def canonical_hash(quads: Iterable[ox.Quad]) -> str:
    """`sha256:<hex>` of RDFC-1.0-canonical, sorted N-Quads of `quads`."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(f"{quad} .\n" for quad in dataset)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
    return f"sha256:{digest.hexdigest()}"
