"""One analysis of the network: every metric, computed together from one reading.

`analyse(network)` runs the per-person metrics (`ties`, `centrality`, `brokerage`), the
per-organisation aggregates (`groups`) and the communities (`communities`), and notes what a
reader needs to trust the numbers: the network's fingerprint, the time, the libraries and
their versions, and whether betweenness was sampled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version

from service.network.brokerage import brokerage
from service.network.centrality import articulation_points, betweenness, pagerank
from service.network.communities import Communities, communities
from service.network.groups import GroupMetrics, group_metrics
from service.network.read import Network
from service.network.ties import TieCounts, tie_counts

LIBRARIES = ("networkit", "rustworkx")
"""The graph libraries the metrics come from (their versions go into the provenance)."""


@dataclass(frozen=True, slots=True)
class PersonMetrics:
    """Every metric of one person."""

    person: str
    ties: TieCounts
    betweenness: float
    pagerank: float
    brokerage: dict[str, int]
    articulation_point: bool
    community: int
    outside_unit_community: bool


@dataclass(frozen=True)
class Analysis:
    """The metrics of one network, with what they were computed from and by."""

    network: Network
    people: list[PersonMetrics]
    groups: list[GroupMetrics]
    communities: Communities
    betweenness_sources: int
    """Sources betweenness was estimated from; 0 when exact."""
    min_group_size: int
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    libraries: dict[str, str] = field(
        default_factory=lambda: {name: version(name) for name in LIBRARIES}
    )


def analyse(network: Network, *, min_group_size: int) -> Analysis:
    """Compute every metric of `network`; aggregates over fewer than `min_group_size`
    people are suppressed (`service.network.groups`)."""
    counts = tie_counts(network)
    between, sources = betweenness(network)
    ranks = pagerank(network)
    roles = brokerage(network)
    cut = articulation_points(network)
    found = communities(network)
    people = [
        PersonMetrics(
            person=iri,
            ties=counts[index],
            betweenness=between[index],
            pagerank=ranks[index],
            brokerage=roles[index],
            articulation_point=index in cut,
            community=found.community[index],
            outside_unit_community=index in found.outside_unit,
        )
        for index, iri in enumerate(network.people)
    ]
    return Analysis(
        network=network,
        people=people,
        groups=group_metrics(network, min_group_size=min_group_size),
        communities=found,
        betweenness_sources=sources,
        min_group_size=min_group_size,
    )
