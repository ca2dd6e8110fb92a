"""The analysis as RDF, one triple per value, written over the analytics graph.

Every value is one triple a SPARQL user matches directly (`?person sba:betweenness ?value`,
`?unit sba:eiIndex ?value`), in the system graph `urn:triskel:analytics`
(`service.store.system_graphs.ANALYTICS_GRAPH`), which each analysis replaces whole in one
all-or-nothing load. The terms are in `ontology/analytics.ttl` (`sba:`).

The graph describes itself: `<urn:triskel:analytics>` is an `sba:NetworkAnalysis` (a
`prov:Entity`) with `prov:generatedAtTime`, the network's `sba:dataFingerprint`, each graph
library and its version (`sba:software`), the sampling of betweenness, the privacy threshold
and whether per-person values are present (`sba:personMetrics`).

**Privacy.** Per-person values are written only with `people=True` (the setting
`TRISKEL_PERSON_METRICS=read`): the analytics graph is read with plain SPARQL by anyone with
the read role, and a graph cannot be hidden from one query of the union default graph, so
values that a reader may not see are not written at all. Suppressed groups get
`sba:suppressed` and their member count only.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from service.namespaces import SBA
from service.network.analysis import Analysis, PersonMetrics
from service.network.groups import GroupMetrics
from service.rdf.formats import NTRIPLES
from service.store.base import Store
from service.store.system_graphs import ANALYTICS_GRAPH, service_writes

XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
GRAPH = ox.NamedNode(ANALYTICS_GRAPH)

_BROKERAGE = {
    "coordinator": SBA.coordinatorBrokerage,
    "itinerant": SBA.itinerantBrokerage,
    "gatekeeper": SBA.gatekeeperBrokerage,
    "representative": SBA.representativeBrokerage,
    "liaison": SBA.liaisonBrokerage,
}

Value = int | float | bool | str


def _literal(value: Value) -> ox.Literal:
    """A typed literal: xsd:boolean, xsd:integer, xsd:double or xsd:string."""
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "double"))
    return ox.Literal(value)


def _values(subject: str, pairs: list[tuple[str, Value | None]]) -> list[ox.Triple]:
    node = ox.NamedNode(subject)
    return [
        ox.Triple(node, ox.NamedNode(str(prop)), _literal(value))
        for prop, value in pairs
        if value is not None
    ]


def person_triples(person: PersonMetrics) -> list[ox.Triple]:
    """The metrics of one person."""
    ties = person.ties
    pairs: list[tuple[str, Value | None]] = [
        (SBA.inDegree, ties.in_degree),
        (SBA.outDegree, ties.out_degree),
        (SBA.inStrength, ties.in_strength),
        (SBA.outStrength, ties.out_strength),
        (SBA.internalNetworkSize, ties.internal_network_size),
        (SBA.externalNetworkSize, ties.external_network_size),
        (SBA.strongTies, ties.strong_ties),
        (SBA.diverseTies, ties.diverse_ties),
        (SBA.betweenness, person.betweenness),
        (SBA.pageRank, person.pagerank),
        (SBA.articulationPoint, person.articulation_point),
        (SBA.community, person.community),
        (SBA.outsideUnitCommunity, person.outside_unit_community),
        *((_BROKERAGE[role], count) for role, count in person.brokerage.items()),
    ]
    return _values(person.person, pairs)


def group_triples(group: GroupMetrics) -> list[ox.Triple]:
    """The aggregates of one organisation or unit (or why they are suppressed)."""
    triples = _values(
        group.organisation,
        [
            (SBA.memberCount, group.size),
            (SBA.suppressed, group.suppressed),
            (SBA.density, group.density),
            (SBA.eiIndex, group.ei_index),
            (SBA.internalTies, group.internal_ties),
            (SBA.externalTies, group.external_ties),
        ],
    )
    for other, count in group.ties_to.items():
        key = hashlib.sha256(f"{group.organisation} {other}".encode()).hexdigest()[:32]
        node = ox.NamedNode(f"{ANALYTICS_GRAPH}:ties:{key}")
        triples += [
            ox.Triple(ox.NamedNode(group.organisation), ox.NamedNode(str(SBA.tiesTo)), node),
            ox.Triple(node, RDF_TYPE, ox.NamedNode(str(SBA.OrganisationTies))),
            ox.Triple(node, ox.NamedNode(str(SBA.otherOrganisation)), ox.NamedNode(other)),
            ox.Triple(node, ox.NamedNode(str(SBA.tieCount)), _literal(count)),
        ]
    return triples


def header_triples(analysis: Analysis, *, people: bool) -> list[ox.Triple]:
    """What the graph is, and its provenance."""
    network, found = analysis.network, analysis.communities
    when = ox.Literal(analysis.computed_at.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))
    triples = [
        ox.Triple(GRAPH, RDF_TYPE, ox.NamedNode(str(SBA.NetworkAnalysis))),
        ox.Triple(GRAPH, ox.NamedNode(PROV + "generatedAtTime"), when),
    ]
    software = [(SBA.software, f"{name} {v}") for name, v in sorted(analysis.libraries.items())]
    pairs: list[tuple[str, Value | None]] = [
        (SBA.dataFingerprint, network.fingerprint()),
        (SBA.personCount, network.size),
        (SBA.networkTieCount, len(network.ties)),
        (SBA.leftOutArcs, sum(network.left_out.values())),
        (SBA.communityCount, found.count),
        (SBA.unitCommunityMutualInformation, found.nmi),
        (SBA.unitCommunityRandIndex, found.ari),
        (SBA.betweennessSources, analysis.betweenness_sources),
        (SBA.minGroupSize, analysis.min_group_size),
        (SBA.personMetrics, people),
        *software,
    ]
    if network.size < analysis.min_group_size:
        pairs = [p for p in pairs if p[0] not in (SBA.unitCommunityMutualInformation,
                                                  SBA.unitCommunityRandIndex)]  # fmt: skip
    return triples + _values(ANALYTICS_GRAPH, pairs)


def analysis_triples(analysis: Analysis, *, people: bool) -> list[ox.Triple]:
    """Every triple of the analytics graph."""
    triples = header_triples(analysis, people=people)
    for group in analysis.groups:
        triples += group_triples(group)
    if people:
        for person in analysis.people:
            triples += person_triples(person)
    return triples


def write(store: Store, analysis: Analysis, *, people: bool) -> int:
    """Replace the analytics graph with the analysis, all or nothing; returns its triples."""
    body = ox.serialize(analysis_triples(analysis, people=people), format=ox.RdfFormat.N_TRIPLES)
    with service_writes():
        return store.load(body or b"", media_type=NTRIPLES, graph=ANALYTICS_GRAPH, replace=True)
