"""A series of kept reports and its state: what `history.record` and `history.read` start from.

A *series* is the kept reports of one scope, engine and shapes version, oldest first; each
report's activity opens and closes ledger items since the one before it. Replaying a whole
series to learn what is current costs as much as the series is long, so each series keeps
its *state* — the items current after its newest report — in a system graph of its own,
`urn:triskel:ledger:state:<key>` (the graph's IRI is also the series' node):
`sbr:current` each current item, `sbr:latest` the newest report's graph, `sbr:itemsDigest`
a hash of the current items (`digest`), so that a report that changes nothing is known
without reading the items. Keeping a report then needs only the latest state, and reading
one starts from the nearest end of its series: the state, undoing the events of the reports
after it, or the series' start, replaying the events up to it.

A state is valid when it names exactly one latest report and one digest, and that report is
the series' newest. A store written before states existed, or a crash between a report's
write and its state's, leaves it invalid: `history.record` rebuilds it once from the
series' events (and logs it); reads replay the series meanwhile and write nothing.

>>> digest(["urn:triskel:finding:b", "urn:triskel:finding:a"]) == digest(
...     {"urn:triskel:finding:a", "urn:triskel:finding:b"})
True
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import RDF

from service.errors import NotFoundError
from service.namespaces import SBR
from service.rdf.formats import NTRIPLES
from service.reports import ledger
from service.reports.snapshot import REPORT_GRAPH_PREFIX
from service.store.base import Store

STATE_PREFIX = "urn:triskel:ledger:state:"
"""Every series' state graph is `urn:triskel:ledger:state:<32 hex>`."""
CURRENT, LATEST, DIGEST = str(SBR.current), str(SBR.latest), str(SBR.itemsDigest)
HEAD_QUERY = """
PREFIX sbr: <https://w3id.org/social-business/report#>
SELECT ?s ?latest ?digest WHERE {
  GRAPH ?s { { ?s sbr:latest ?latest } UNION { ?s sbr:itemsDigest ?digest } }
}"""
"""A state's latest report and digest, `?s` bound to its graph (more than one: invalid)."""
_HEX = re.compile(r"[0-9a-f]{64}")
_REPORT = re.compile(re.escape(REPORT_GRAPH_PREFIX) + r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Series:
    """The key of a series: the shapes version, engine and scope its reports share."""

    shapes_version: str
    engine: str
    scope: str | None

    @property
    def graph(self) -> str:
        """The series' state graph (and node)."""
        text = "\x1f".join((self.shapes_version, self.engine, self.scope or ""))
        return STATE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Head:
    """What a valid state says besides its items: its newest report and items' digest."""

    latest: str
    digest: str


def digest(items: Iterable[str]) -> str:
    """The hex SHA-256 of the sorted item IRIs, one a line."""
    return hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()


def head(store: Store, series: Series, members: list[str]) -> Head | None:
    """The state's head if the state is valid for `members` (the series, oldest first)."""
    rows = store.select(HEAD_QUERY, substitutions={"s": ox.NamedNode(series.graph)})
    latest = [row["latest"].value for row in rows if "latest" in row]
    digests = [row["digest"].value for row in rows if "digest" in row]
    if len(latest) != 1 or len(digests) != 1 or not members or latest[0] != members[-1]:
        return None
    return Head(latest[0], digests[0])


def state_items(store: Store, series: Series) -> set[str]:
    """The items a state holds as current (read from its graph alone)."""
    try:
        body = store.export(series.graph, media_type=NTRIPLES)
    except NotFoundError:
        return set()
    return {
        t.object.value
        for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
        if t.predicate.value == CURRENT and isinstance(t.object, ox.NamedNode)
    }


def events(store: Store, graphs: list[str]) -> list[list[tuple[str, str]]]:
    """The (event, item) pairs of each of these report graphs, in the order given."""
    wanted = set(graphs)

    def select(names: list[str]) -> list[str | None]:
        return [name for name in names if name in wanted]

    exported = dict(store.export_graphs(select, media_type=NTRIPLES))
    return [ledger.events_of(exported[g]) for g in graphs if g in exported]


def current_at(store: Store, series: Series, members: list[str], index: int) -> set[str]:
    """The items current after `members[index]`, from the nearer end of the series: its
    start, replaying the reports up to it, or its valid state, undoing the reports after."""
    after = members[index + 1 :]
    valid = head(store, series, members) is not None
    if not valid or index < len(after):
        return ledger.replay(events(store, members[: index + 1]))
    current = state_items(store, series)
    for undone in reversed(events(store, after)):
        for event, item in undone:
            (current.discard if event == ledger.OPENED else current.add)(item)
    return current


def rebuilt(store: Store, series: Series, members: list[str]) -> set[str]:
    """Rewrite the state from the series' events (the caller holds `service_writes()`); the
    current items."""
    log.info("rebuilding the history state <%s> from %d reports", series.graph, len(members))
    current = ledger.replay(events(store, members))
    body = ox.serialize(_state(series, members[-1], current), format=ox.RdfFormat.N_TRIPLES)
    store.load(body or b"", media_type=NTRIPLES, graph=series.graph, replace=True)
    return current


def added(series: Series, latest: str, opened: Iterable[str], items_digest: str) -> list[ox.Quad]:
    """The quads a new report adds to its state: the items it opened, its own head (the
    digest of every item current after it).

    Written with the report itself (one load); `removed` follows with the old head and the
    closed items. Until it does, the state names two latest reports: invalid, so a crash in
    between is repaired by a rebuild."""
    node = ox.NamedNode(series.graph)
    return [
        ox.Quad(t.subject, t.predicate, t.object, node)
        for t in _state(series, latest, opened, items_digest)
    ]


def removed(store: Store, series: Series, old: Head, new: Head, closed: Iterable[str]) -> None:
    """Delete from the state what the `new` head replaces of the `old` one, and the closed
    items (the caller holds `service_writes()`). Only checked IRIs and a hex digest are
    written into the update."""
    items = sorted(closed)
    if not all(ledger.ITEM.fullmatch(i) for i in items) or not (
        _REPORT.fullmatch(old.latest) and _HEX.fullmatch(old.digest)
    ):
        raise ValueError(f"the history state <{series.graph}> holds an unexpected term")
    node = f"<{series.graph}>"
    lines = [
        *([f"{node} <{LATEST}> <{old.latest}> ."] if old.latest != new.latest else []),
        *([f'{node} <{DIGEST}> "{old.digest}" .'] if old.digest != new.digest else []),
        *(f"{node} <{CURRENT}> <{item}> ." for item in items),
    ]
    if lines:
        store.update(f"DELETE DATA {{ GRAPH {node} {{ {' '.join(lines)} }} }}")


def _state(
    series: Series, latest: str, items: Iterable[str], items_digest: str | None = None
) -> list[ox.Triple]:
    node = ox.NamedNode(series.graph)
    listed = list(items)
    found = digest(listed) if items_digest is None else items_digest
    return [
        ox.Triple(node, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SBR.Series))),
        ox.Triple(node, ox.NamedNode(LATEST), ox.NamedNode(latest)),
        ox.Triple(node, ox.NamedNode(DIGEST), ox.Literal(found)),
        *(ox.Triple(node, ox.NamedNode(CURRENT), ox.NamedNode(i)) for i in listed),
    ]
