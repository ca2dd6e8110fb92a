"""The prepared data kept up to date by deltas, without preparing it again.

`EntailedData` holds two pyoxigraph stores:

* `base`: the user's quads as written, each in its graph — with the ontology and concepts
  (kept apart, as a set of triples), what the entailments are computed from;
* `view`: in its default graph exactly what `PreparedData` would hold for the same quads
  (named graphs merged, ontology added, subproperty and subclass entailments materialised),
  so the compiled rule queries run on it unchanged. Its named graphs are the validator's
  own (derived relations, focus lists, the shapes graph).

`apply(delta)` writes a delta to `base` and returns how the view's default graph must change
— without writing it, because the live validator looks at the old and new view together
before it settles. A view triple stays as long as any quad of any graph (or the ontology)
supports it: `(s, p, o)` by a quad `(s, q, o)` with `q` = `p` or a subproperty of `p`,
`(s, rdf:type, C)` also by `(s, rdf:type, D)` with `D` a subclass of `C`; so removing
`sb:initiator` keeps `sb:participant` when the user also states it, or states it in another
graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDF

from service.validation.prepare import PreparedData, hierarchies, ontology_triples
from service.validation.rdfio import Source

_TYPE = ox.NamedNode(str(RDF.type))
_GENERATIONS = itertools.count()
_DEFAULT = ox.DefaultGraph()

Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


@dataclass(frozen=True)
class Delta:
    """A write: quads removed, then quads added (SPARQL Update's order). Quads already
    absent or already present change nothing."""

    added: frozenset[ox.Quad] = field(default_factory=frozenset)
    removed: frozenset[ox.Quad] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *, added: Iterable[ox.Quad] = (), removed: Iterable[ox.Quad] = ()) -> Delta:
        return cls(frozenset(added), frozenset(removed))


@dataclass(frozen=True)
class ViewChange:
    """Triples the view's default graph gains and loses."""

    added: frozenset[ox.Triple]
    removed: frozenset[ox.Triple]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


class EntailedData:
    """The user's quads and the prepared view of them, patched together."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        base = ox.Store()
        base.extend(quads)
        self._start(base, PreparedData.from_quads(base).store)

    @classmethod
    def of_graphs(cls, graphs: Sequence[tuple[Graph, bytes]]) -> EntailedData:
        """The data of each graph's N-Triples (a dump of the store's, whose blank-node labels
        later deltas use). A graph with no blank node is loaded by the engine, no quad
        crossing into Python (at a million triples Python's share was most of a restart's
        warm-up); the others are parsed keeping the labels, which a load would rename."""
        plain, blank = _split(graphs)
        base = ox.Store()
        for graph, body in plain:
            base.load(body, ox.RdfFormat.N_TRIPLES, to_graph=graph)
        base.extend(blank)
        data = cls.__new__(cls)
        data._start(base, _prepared(plain, blank))
        return data

    def _start(self, base: ox.Store, view: ox.Store) -> None:
        """Take `base` (the user's quads) and its `view`. The ontology is kept beside `base`,
        not in it: `base` then dumps as the user's quads alone, with no line to filter out
        (at a million quads the filter cost a second and 300 MB per report)."""
        self.base = base
        self.generation = next(_GENERATIONS)
        """Changes at every write (`apply`, `rebuild`), and no two `EntailedData` share one: what
        was computed from the quads of one generation holds for them (a fingerprint)."""
        self.quads = len(base)
        """The user's quads when the data was built."""
        self._ontology = frozenset(ontology_triples())
        self.view = view
        supers_p, supers_c = hierarchies()
        self._supers_p = supers_p
        self._supers_c = supers_c
        self._subs_p = _inverse(supers_p)
        self._subs_c = _inverse(supers_c)

    def user_quads(self) -> Iterator[ox.Quad]:
        """The user's quads as they are now."""
        return iter(self.base)

    def user_nquads(self) -> bytes:
        """The user's quads as they are now, as one N-Quads document (dumped by the engine in
        one call)."""
        return self.base.dump(format=ox.RdfFormat.N_QUADS) or b""

    def graph_quads(self, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
        """The quads of one user graph (for whole-graph replace and delete)."""
        return list(self.base.quads_for_pattern(None, None, None, graph))

    def apply(self, delta: Delta) -> ViewChange:
        """Write `delta` to `base`; return the view change it implies (not yet applied)."""
        self.generation = next(_GENERATIONS)
        removed = [q for q in delta.removed if q in self.base]
        for quad in removed:
            self.base.remove(quad)
        added = [q for q in delta.added if q not in self.base]
        self.base.extend(added)
        candidates = {c for q in (*removed, *added) for c in self._entailed(q.triple)}
        gained, lost = set(), set()
        for triple in candidates:
            before = ox.Quad(triple.subject, triple.predicate, triple.object, _DEFAULT) in self.view
            after = self._supported(triple)
            if after and not before:
                gained.add(triple)
            elif before and not after:
                lost.add(triple)
        return ViewChange(frozenset(gained), frozenset(lost))

    def rebuild(self, delta: Delta) -> None:
        """Write `delta` to `base` and prepare the view anew from every graph, inside the
        engine.

        For a write that changes much of the data: `apply` follows each quad's entailments
        in Python, some 10 µs a quad (an import of 20k messages, 480k quads, spent 12 s
        there), where preparing the whole view costs a few µs a triple of the data. The
        view's own graphs (derived relations, focus lists, shapes) are not carried over."""
        self.generation = next(_GENERATIONS)
        for quad in delta.removed:
            self.base.remove(quad)
        self.base.bulk_extend(delta.added)  # no transaction to keep: the write is known
        self.view = ox.Store()  # the old view's memory back before the new one is built
        graphs = [(g, self.base.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) or b"")
                  for g in (_DEFAULT, *self.base.named_graphs())]  # fmt: skip
        self.view = _prepared(*_split(graphs))

    def _entailed(self, triple: ox.Triple) -> Iterator[ox.Triple]:
        """The triple and what the ontology's axioms derive from it."""
        yield triple
        s, p, o = triple.subject, triple.predicate, triple.object
        for sup in self._supers_p.get(p, ()):
            yield ox.Triple(s, sup, o)
        if p == _TYPE and isinstance(o, ox.NamedNode):
            for sup in self._supers_c.get(o, ()):
                yield ox.Triple(s, _TYPE, sup)

    def _supported(self, triple: ox.Triple) -> bool:
        s, p, o = triple.subject, triple.predicate, triple.object
        supporters = [ox.Triple(s, q, o) for q in (p, *self._subs_p.get(p, ()))]
        if p == _TYPE and isinstance(o, ox.NamedNode):
            supporters += [ox.Triple(s, _TYPE, sub) for sub in self._subs_c.get(o, ())]
        return any(self._stated(t) for t in supporters)

    def _stated(self, triple: ox.Triple) -> bool:
        """Whether a user graph or the ontology states `triple`."""
        if triple in self._ontology:
            return True
        pattern = self.base.quads_for_pattern(triple.subject, triple.predicate, triple.object)
        return next(pattern, None) is not None


def _split(
    graphs: Sequence[tuple[Graph, bytes]],
) -> tuple[list[tuple[Graph, bytes]], list[ox.Quad]]:
    """The graphs with no blank node (to load as they are) and the quads of the others,
    parsed keeping their blank-node labels."""
    plain = [(graph, body) for graph, body in graphs if b"_:" not in body]
    blank = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for graph, body in graphs
        if b"_:" in body
        for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
    ]
    return plain, blank


def _prepared(plain: Sequence[tuple[Graph, bytes]], blank: Sequence[ox.Quad]) -> ox.Store:
    """The prepared view of `_split` graphs, named graphs merged."""
    return PreparedData.from_sources(
        (Source("store", body, "nt") for _, body in plain), blank
    ).store


def _inverse(
    supers: Mapping[ox.NamedNode, tuple[ox.NamedNode, ...]],
) -> dict[ox.NamedNode, tuple[ox.NamedNode, ...]]:
    subs: dict[ox.NamedNode, list[ox.NamedNode]] = {}
    for sub, ups in supers.items():
        for up in ups:
            subs.setdefault(up, []).append(sub)
    return {up: tuple(found) for up, found in subs.items()}
