"""Analyse the store: read the network, compute every metric, replace the analytics graph.

The one entry point of `triskel analyse` and `POST /analyse`.
"""

from __future__ import annotations

from typing import Any

from service.network.analysis import analyse
from service.network.rdf import write
from service.network.read import read_network
from service.network.summary import summary
from service.store.base import Store


def analyse_store(
    store: Store, *, min_group_size: int, write_people: bool, show_people: bool
) -> dict[str, Any]:
    """Recompute the analytics graph from the store; its JSON summary.

    `write_people` puts per-person values into the graph (`TRISKEL_PERSON_METRICS=read`);
    `show_people` puts them into the summary (an admin, or the setting allows it).
    """
    analysis = analyse(read_network(store), min_group_size=min_group_size)
    write(store, analysis, people=write_people)
    return summary(analysis, people=show_people, written=write_people)
