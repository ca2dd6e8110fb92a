"""The network analytics the rules over analytics read, kept only while they are current.

The rules R21-R24 (`shapes/analytics.ttl`, opt-in: `TRISKEL_ANALYTICS_RULES`) read the values
of the network analysis (`service.network`) as triples of the validated data:
`?person sba:articulationPoint true`, `?unit sba:eiIndex ?v`. A validation of the store reads
them from the system graph `urn:triskel:analytics` (the one system graph it reads, and only
with the opt-in; `service.reports.snapshot.validated_graphs`); a file or a payload may carry
them too. They are computed over the whole network, so after any change to it they may no
longer hold: the analysis records the fingerprint of the network it read
(`sba:dataFingerprint`, `Network.fingerprint`), and `current` compares it with the
fingerprint of the network in the data being validated.

The rules read the analysis only through its header, `<urn:triskel:analytics> a
sba:NetworkAnalysis` (R21 and R22 require it beside the values they read, R24 reports its
absence). When the fingerprints differ (or the data holds no fingerprint, or several), the
validation reads the data without that one triple: none of the stale values can make a silo
or a broker, and R24 reports that no analysis describes the network, so stale numbers never
look fixed and missing ones never pass for a clean network. The prepared data is never
changed in place (a store's prepared view is shared by the validations of that view): a
stale analysis costs one copy of the data, less the header.

The live findings (`service.validation.live`) keep the same rule with an `AnalyticsGate`,
and this is how the incremental engine treats values computed over the whole network: the
live view holds the header only while the analysis is current; each write that touches what
the network is read from (`touches_network`) reads the whole network again for its
fingerprint (from the user's quads: no ontology axiom derives a person, a membership, a unit
or an arc, so it is the fingerprint the prepared data gives), and when currency flips the
header comes into or goes out of the view in that write's view change: one triple, whatever
the size of the analysis. A change of the header reaches no focus node through the patterns
of R21 and R22 (it is a constant there), so they are then re-checked whole (their queries
cost 0.1 s at 100k triples); R24, focused on the analysis node, and other changes of the
values are followed incrementally. Never
left stale: tests/test_live_differential.py checks it on random writes and re-analyses.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib.namespace import RDF

from service.namespaces import SB, SBA
from service.network.read import Network, network_from_rows, network_query, read_network
from service.store.base import Row, Store
from service.store.system_graphs import ANALYTICS_GRAPH
from service.validation.prepare import PreparedData

_ANALYSIS = f"<{ANALYTICS_GRAPH}>"
_RECORDED = f"SELECT ?f WHERE {{ {_ANALYSIS} <{SBA.dataFingerprint}> ?f }}"
_RECORDED_IN_GRAPH = (
    f"SELECT ?f WHERE {{ GRAPH {_ANALYSIS} {{ {_ANALYSIS} <{SBA.dataFingerprint}> ?f }} }}"
)
_TYPE = ox.NamedNode(str(RDF.type))
HEADER = ox.Triple(ox.NamedNode(ANALYTICS_GRAPH), _TYPE, ox.NamedNode(str(SBA.NetworkAnalysis)))
"""The triple the rules over analytics read the analysis through (see the module docstring)."""
_HEADER_QUAD = ox.Quad(HEADER.subject, HEADER.predicate, HEADER.object, ox.DefaultGraph())
_PERSON = ox.NamedNode(str(SB.Person))
NETWORK_PREDICATES = frozenset(
    ox.NamedNode(str(p))
    for p in (
        SB.source, SB.target, SB.weight,
        "http://www.w3.org/ns/org#memberOf", "http://www.w3.org/ns/org#unitOf",
        "http://www.w3.org/ns/org#subOrganizationOf", SBA.dataFingerprint,
    )
)  # fmt: skip
"""What the network's fingerprint (and the one the analysis recorded) is read from, besides
`rdf:type sb:Person`: a write that touches none of these leaves the analysis as current as it
was."""


def touches_network(quad: ox.Quad) -> bool:
    """True when `quad` is one the network's fingerprint may read (see `NETWORK_PREDICATES`).

    >>> touches_network(ox.Quad(ox.NamedNode("urn:p"), _TYPE, _PERSON))
    True
    >>> touches_network(ox.Quad(ox.NamedNode("urn:p"), _TYPE, ox.NamedNode("urn:Tool")))
    False
    """
    if quad.predicate == _TYPE:
        return quad.object == _PERSON
    return quad.predicate in NETWORK_PREDICATES


def network_of(store: ox.Store, *, union: bool = False) -> Network:
    """The network in `store` (its default graph, or with `union` all its graphs), read as
    the analysis reads a store (`service.network.read`)."""
    solutions = store.query(network_query(), use_default_graph_as_union=union)
    rows: list[Row] = [
        {name: solution[name] for name in ("kind", "a", "b", "c", "weight") if solution[name]}
        for solution in solutions  # type: ignore[union-attr]
    ]
    return network_from_rows(rows)


def network_fingerprint(store: ox.Store, *, union: bool = False) -> str:
    """The fingerprint of `network_of(store)`, the one the analysis records."""
    return network_of(store, union=union).fingerprint()


def _current(store: ox.Store, *, union: bool = False) -> bool:
    solutions = store.query(_RECORDED, use_default_graph_as_union=union)
    recorded = {row[0].value for row in solutions}  # type: ignore[union-attr]
    return len(recorded) == 1 and recorded == {network_fingerprint(store, union=union)}


def current(data: PreparedData) -> bool:
    """True when the data holds an analysis whose fingerprint is its network's."""
    return _current(data.store)


def current_in(store: Store) -> bool:
    """True when the store's analytics graph records the fingerprint of the network the
    store holds now, read as the analysis reads it (for a validation on a remote engine,
    which keeps the analytics graph out of its data when this is False)."""
    recorded = {row["f"].value for row in store.select(_RECORDED_IN_GRAPH) if "f" in row}
    return len(recorded) == 1 and recorded == {read_network(store).fingerprint()}


def current_only(data: PreparedData) -> PreparedData:
    """`data` itself when its analysis is current or it has none, else a copy without the
    analysis' header."""
    if _HEADER_QUAD not in data.store or current(data):
        return data
    copy = ox.Store()
    copy.bulk_extend(data.store)  # quad by quad: a dump and load would rename blank nodes
    copy.remove(_HEADER_QUAD)
    return PreparedData(copy)


class AnalyticsGate:
    """Keeps a live view's analysis header in step with the analysis being current.

    `base` holds the user's quads (each in its graph), `view` the prepared data the rules
    read. Built on a fresh view, the gate takes the header out when the analysis is not
    current; `filter` then turns each write's view change into the one that keeps the view
    equal to `current_only` of the prepared data."""

    def __init__(self, base: ox.Store, view: ox.Store) -> None:
        self._base = base
        self.current = _current(base, union=True)
        if not self.current:
            view.remove(_HEADER_QUAD)

    def filter(
        self, added: Iterable[ox.Triple], removed: Iterable[ox.Triple], quads: Iterable[ox.Quad]
    ) -> tuple[set[ox.Triple], set[ox.Triple]]:
        """The view's gains and losses for a write of `quads` (already in `base`) whose
        ungated view change is `added`/`removed` (not yet applied to the view)."""
        gained, lost = set(added), set(removed)
        was = self.current
        if any(touches_network(q) for q in quads):
            self.current = _current(self._base, union=True)
        if was and self.current:
            return gained, lost
        header = self._base.quads_for_pattern(HEADER.subject, HEADER.predicate, HEADER.object)
        held = next(header, None) is not None
        gained.discard(HEADER)
        lost.discard(HEADER)
        if self.current and held:  # it just became current
            gained.add(HEADER)
        elif was and (held or HEADER in removed):  # it just went stale: the header goes
            lost.add(HEADER)
        return gained, lost
