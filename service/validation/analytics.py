"""The network analytics the rules over analytics read, kept only while they are current.

The rules R21-R24 (`shapes/analytics.ttl`, opt-in: `TRISKEL_ANALYTICS_RULES`) read the values
of the network analysis (`service.network`) as triples of the validated data:
`?person sba:articulationPoint true`, `?unit sba:eiIndex ?v`. A validation of the store reads
them from the system graph `urn:triskel:analytics` (the one system graph it reads, and only
with the opt-in; `service.reports.snapshot.validated_graphs`); a file or a payload may carry
them too. They are computed over the whole network, so after any change to it they may no
longer hold: the analysis records the fingerprint of the network it read
(`sba:dataFingerprint`, `Network.fingerprint`), and `current` compares it with the
fingerprint of the network in the data being validated. When they differ (or the data holds
values but no fingerprint), the validation reads the data without any analytics value, and
R24 reports that no analysis describes the network: stale numbers never make a silo or a
broker look fixed, and missing ones never pass for a clean network.

The prepared data is never changed in place (a store's prepared view is shared by the
validations of that view): a stale analysis costs one copy of the data, without it.
"""

from __future__ import annotations

import pyoxigraph as ox

from service.namespaces import SBA
from service.network.read import network_from_rows, network_query, read_network
from service.store.base import Row, Store
from service.store.system_graphs import ANALYTICS_GRAPH
from service.validation.prepare import PreparedData

_ANALYSIS = f"<{ANALYTICS_GRAPH}>"
_RECORDED = f"SELECT ?f WHERE {{ {_ANALYSIS} <{SBA.dataFingerprint}> ?f }}"
_RECORDED_IN_GRAPH = (
    f"SELECT ?f WHERE {{ GRAPH {_ANALYSIS} {{ {_ANALYSIS} <{SBA.dataFingerprint}> ?f }} }}"
)
_ANY_VALUE = f"""ASK {{ {{ ?s ?p ?o . FILTER (STRSTARTS(STR(?p), "{SBA._NS}")) }}
    UNION {{ {_ANALYSIS} ?p ?o }} }}"""
_DROP = f"""DELETE {{ ?s ?p ?o }} WHERE {{
    ?s ?p ?o .
    FILTER (STRSTARTS(STR(?p), "{SBA._NS}") || ?s = {_ANALYSIS}
            || STRSTARTS(STR(?s), "{ANALYTICS_GRAPH}:"))
}}"""
"""Every analytics value: a triple of an `sba:` property, or about the analysis itself or one
of its nodes (`urn:triskel:analytics:ties:…`)."""


def network_fingerprint(store: ox.Store) -> str:
    """The fingerprint of the network in `store` (its default graph), as the analysis
    computes it when it reads the store (`service.network.read`)."""
    rows: list[Row] = [
        {name: solution[name] for name in ("kind", "a", "b", "c", "weight") if solution[name]}
        for solution in store.query(network_query())  # type: ignore[union-attr]
    ]
    return network_from_rows(rows).fingerprint()


def current(data: PreparedData) -> bool:
    """True when the data holds an analysis whose fingerprint is its network's."""
    recorded = {row[0].value for row in data.store.query(_RECORDED)}  # type: ignore[union-attr]
    return len(recorded) == 1 and recorded == {network_fingerprint(data.store)}


def current_in(store: Store) -> bool:
    """True when the store's analytics graph records the fingerprint of the network the
    store holds now, read as the analysis reads it (for a validation on a remote engine,
    which keeps the analytics graph out of its data when this is False)."""
    recorded = {row["f"].value for row in store.select(_RECORDED_IN_GRAPH) if "f" in row}
    return len(recorded) == 1 and recorded == {read_network(store).fingerprint()}


def current_only(data: PreparedData) -> PreparedData:
    """`data` itself when its analytics are current or absent, else a copy without them."""
    if not bool(data.store.query(_ANY_VALUE)) or current(data):
        return data
    copy = ox.Store()
    copy.bulk_extend(data.store)  # quad by quad: a dump and load would rename blank nodes
    copy.update(_DROP)
    return PreparedData(copy)
