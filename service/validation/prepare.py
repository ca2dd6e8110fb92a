"""The data a validation reads: the user's data joined with the ontology and concepts.ttl.

DESIGN §5 fixes the semantics both engines use. `PreparedData` builds it once:

1. the user's triples, all in one default graph (named graphs are merged);
2. plus `ontology/social-business.ttl` and `ontology/concepts.ttl` (so ranks of security
   levels and rdfs:subClassOf axioms are there even when the user's data does not repeat them);
3. plus the entailments of the ontology's own rdfs:subPropertyOf and rdfs:subClassOf axioms,
   materialised (sb:initiator → sb:participant, sb:source/sb:target → sb:endpoint,
   sb:participant → prov:wasAssociatedWith, rdf:type → every superclass). Domain and range
   axioms are never applied: they would hide "an end is not a Person".

It is held in an in-memory pyoxigraph `Store` (`data.store`, for the set-based engine) and, on
first use, copied into an rdflib `Graph` (`data.graph`, for pySHACL) with the same blank-node
ids. Both are read-only for engines.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from service.resources import CONCEPTS_FILE, ONTOLOGY_FILE
from service.validation.rdfio import (
    Source,
    expand_paths,
    graph_to_triples,
    load,
    parse,
    triples_to_graph,
)

ONTOLOGY_SOURCES = (ONTOLOGY_FILE, CONCEPTS_FILE)


class PreparedData:
    """The validated data as a pyoxigraph store and (lazily) as an rdflib graph.

    Build it with `from_paths`, `from_sources` or `from_graph`; the store is ready when the
    constructor returns (so syntax errors surface there), the graph is built on first use.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._graph: Graph | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> PreparedData:
        """Files and folders (a folder = its *.ttl/*.nt/*.jsonld/*.rdf files)."""
        return cls.from_sources(Source.from_path(p) for p in expand_paths(paths))

    @classmethod
    def from_sources(cls, sources: Iterable[Source], quads: Iterable[ox.Quad] = ()) -> PreparedData:
        """Parsed sources, and `quads` read already (their blank-node labels kept, where a
        parse gives each source its own). Raises RDFSyntaxError / UnsupportedFormatError
        naming the source."""
        store = ox.Store()
        for source in sources:
            load(store, source)
        store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        return cls._finish(store)

    @classmethod
    def from_quads(cls, quads: Iterable[ox.Quad]) -> PreparedData:
        """Quads of any graphs, merged into one default graph as files are: read from a store
        as they are, no export and no parse (at 100k triples an N-Triples round trip cost
        more than the rules)."""
        store = ox.Store()
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        return cls._finish(store)

    @classmethod
    def from_graph(cls, graph: Graph) -> PreparedData:
        """An rdflib graph (not modified; blank-node ids are kept)."""
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in graph_to_triples(graph))
        return cls._finish(store)

    @classmethod
    def _finish(cls, store: ox.Store) -> PreparedData:
        _merge_named_graphs(store)
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in _ontology_triples())
        _materialise(store)
        return cls(store)

    @property
    def graph(self) -> Graph:
        """The same triples as an rdflib Graph (built once, on first use)."""
        with self._lock:
            if self._graph is None:
                self._graph = triples_to_graph(q.triple for q in self.store)
            return self._graph

    def __len__(self) -> int:
        return len(self.store)


def _merge_named_graphs(store: ox.Store) -> None:
    """Move triples of named graphs (TriG, N-Quads, JSON-LD @graph) into the default graph,
    inside the engine: a Python loop over the quads took 13 s for 2.4M, this 6.5 s."""
    if any(True for _ in store.named_graphs()):
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")


def _materialise(store: ox.Store) -> None:
    """Add the entailments of the ontology's subPropertyOf / subClassOf axioms (one pass:
    the super-maps are already transitively closed). One SPARQL update, evaluated inside
    the engine: building a Python quad per entailment took 3-4 s at a million triples.
    Each INSERT's WHERE reads the state before its own insertions, and no property
    entailment is an `rdf:type` triple, so the result is the same one pass gives."""
    properties, classes = _hierarchies()
    store.update(
        f"INSERT {{ ?s ?super ?o }} WHERE {{ VALUES (?sub ?super) {{ {pairs_text(properties)} }}"
        " ?s ?sub ?o } ;\n"
        f"INSERT {{ ?s <{RDF.type}> ?super }} WHERE {{ VALUES (?sub ?super) "
        f"{{ {pairs_text(classes)} }} ?s <{RDF.type}> ?sub }}"
    )


def pairs_text(supers: Mapping[ox.NamedNode, tuple[ox.NamedNode, ...]]) -> str:
    """VALUES rows (sub super) of a hierarchy.

    >>> pairs_text({ox.NamedNode("http://e/a"): (ox.NamedNode("http://e/b"),)})
    '(<http://e/a> <http://e/b>)'
    """
    return " ".join(f"({sub} {sup})" for sub, ups in supers.items() for sup in ups)


@lru_cache(maxsize=1)
def _ontology_triples() -> tuple[ox.Triple, ...]:
    """The ontology and concepts, parsed once per process."""
    return tuple(t for path in ONTOLOGY_SOURCES for t in parse(Source.from_path(path)))


def ontology_triples() -> tuple[ox.Triple, ...]:
    """The ontology and concepts.ttl triples every prepared store holds."""
    return _ontology_triples()


def hierarchies() -> tuple[
    Mapping[ox.NamedNode, tuple[ox.NamedNode, ...]],
    Mapping[ox.NamedNode, tuple[ox.NamedNode, ...]],
]:
    """sub → all its strict supers, for properties and for classes (the entailments
    `PreparedData` materialises)."""
    return _hierarchies()


@lru_cache(maxsize=1)
def _hierarchies() -> tuple[
    Mapping[ox.NamedNode, tuple[ox.NamedNode, ...]],
    Mapping[ox.NamedNode, tuple[ox.NamedNode, ...]],
]:
    """sub → all its strict supers, for properties and for classes, from the ontology."""
    return (
        _closure(_pairs(RDFS.subPropertyOf)),
        _closure(_pairs(RDFS.subClassOf)),
    )


def _pairs(predicate: object) -> dict[ox.NamedNode, set[ox.NamedNode]]:
    direct: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for t in _ontology_triples():
        if (
            t.predicate.value == str(predicate)
            and isinstance(t.subject, ox.NamedNode)
            and isinstance(t.object, ox.NamedNode)
            and t.object != t.subject
        ):
            direct.setdefault(t.subject, set()).add(t.object)
    return direct


def _closure(
    direct: dict[ox.NamedNode, set[ox.NamedNode]],
) -> dict[ox.NamedNode, tuple[ox.NamedNode, ...]]:
    closed: dict[ox.NamedNode, tuple[ox.NamedNode, ...]] = {}
    for start in direct:
        seen: set[ox.NamedNode] = set()
        todo = list(direct[start])
        while todo:
            node = todo.pop()
            if node not in seen and node != start:
                seen.add(node)
                todo.extend(direct.get(node, ()))
        closed[start] = tuple(sorted(seen, key=lambda n: n.value))
    return closed
