"""The analysis as JSON for the CLI and the API, privacy applied.

Aggregates over fewer than the analysis' `min_group_size` people carry a `suppressed` reason
instead of values (`service.network.groups`); so does the comparison of communities with
units when the whole network is that small. Per-person metrics are in the answer only when
the caller may see them (`people=True`: an admin, or `TRISKEL_PERSON_METRICS=read`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from service.network.analysis import Analysis, PersonMetrics
from service.network.groups import suppression_reason
from service.store.system_graphs import ANALYTICS_GRAPH


def summary(analysis: Analysis, *, people: bool, written: bool) -> dict[str, Any]:
    """The JSON summary of an analysis; `written`: per-person values are in the graph."""
    network, found = analysis.network, analysis.communities
    hidden = suppression_reason(network.size, analysis.min_group_size)
    answer: dict[str, Any] = {
        "graph": ANALYTICS_GRAPH,
        "fingerprint": network.fingerprint(),
        "computed_at": analysis.computed_at.isoformat(),
        "software": analysis.libraries,
        "people": network.size,
        "ties": len(network.ties),
        "left_out": network.left_out,
        "betweenness_sources": analysis.betweenness_sources,
        "min_group_size": analysis.min_group_size,
        "person_metrics_in_graph": written,
        "communities": {
            "count": found.count,
            "nmi": None if hidden else found.nmi,
            "ari": None if hidden else found.ari,
            "outside_unit": None if hidden else len(found.outside_unit),
            "suppressed": hidden,
        },
        "groups": [asdict(group) for group in analysis.groups],
    }
    if people:
        answer["persons"] = [_person(person) for person in analysis.people]
    return answer


def _person(person: PersonMetrics) -> dict[str, Any]:
    values = asdict(person)
    values.update(values.pop("ties"))
    return values
