"""A series of kept reports and its state: what `history.record` and `history.read` start from.

A *series* is the kept reports of one scope, engine and shapes version, oldest first; each
report's activity opens and closes ledger items since the one before it. The series' *state*
— the items current after its newest report — is kept in a system graph of its own,
`urn:triskel:ledger:state:<key>` (the graph's IRI is also the series' node): `sbr:current`
each current item, `sbr:latest` the newest report's graph, `sbr:itemsDigest` a hash of the
current items (`digest`), so that a report that changes nothing is known without reading the
items. Keeping a report needs only the latest state, and reading one starts from the state
and undoes the events of the reports after it.

The state is the series' one full copy of its items: every report, the oldest included, is a
delta. A series' first report opens everything current at its time (it has no
`sbr:previous`); once retention drops it, the oldest survivor still holds only its own
changes, and dropping it costs nothing but its graph. So a series of unchanged validations
stays a list of headers whatever the retention.

A state is valid when it names exactly one latest report and one digest, and that report is
the series' newest. A crash between a report's write and its state's leaves two of each:
`recovered` finishes that keep (the newest report's closed items dropped, checked against its
digest). A missing state is replayed from the series' events while the series still begins
at its first report; past that, the state was the only copy of what the dropped reports
opened, and its reports cannot be read (`NotFoundError`; `history.record` then starts the
series anew). `history.record` writes a recovered state once (and logs it); reads recover in
memory and write nothing.

>>> digest(["urn:triskel:finding:b", "urn:triskel:finding:a"]) == digest(
...     {"urn:triskel:finding:a", "urn:triskel:finding:b"})
True
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
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
START_QUERY = """
PREFIX sbr: <https://w3id.org/social-business/report#>
ASK { GRAPH ?g { ?g sbr:previous ?previous } }"""
"""Does the report graph `?g` follow another (false: it is its series' first report)?"""
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
    """The (event, item) pairs of each of these report graphs, in the order given (none:
    nothing read)."""
    if not graphs:
        return []
    wanted = set(graphs)

    def select(names: list[str]) -> list[str | None]:
        return [name for name in names if name in wanted]

    exported = dict(store.export_graphs(select, media_type=NTRIPLES))
    return [ledger.events_of(exported[g]) for g in graphs if g in exported]


def current_at(store: Store, series: Series, members: list[str], index: int) -> set[str]:
    """The items current after `members[index]`: the series' current items (`current`) with
    the events of the reports after it undone, newest first."""
    items = current(store, series, members)
    for undone in reversed(events(store, members[index + 1 :])):
        for event, item in undone:
            (items.discard if event == ledger.OPENED else items.add)(item)
    return items


def current(store: Store, series: Series, members: list[str]) -> set[str]:
    """The items current after the series' newest report: its valid state's, else
    `recovered`; `NotFoundError` when the state is lost (see the module docstring)."""
    if head(store, series, members) is not None:
        return state_items(store, series)
    found = recovered(store, series, members)
    if found is None:
        raise NotFoundError(
            f"the reports of the series <{series.graph}> cannot be read: its state is lost"
        )
    return found


def recovered(store: Store, series: Series, members: list[str]) -> set[str] | None:
    """The items current after `members[-1]` (the series, oldest first) without a valid
    state: a keep interrupted between its two writes finished (its closed items dropped,
    accepted only if the result has the digest it wrote), else the series replayed from its
    first report when it still holds it; None when neither can be done."""
    rows = store.select(HEAD_QUERY, substitutions={"s": ox.NamedNode(series.graph)})
    latest = {row["latest"].value for row in rows if "latest" in row}
    digests = {row["digest"].value for row in rows if "digest" in row}
    if members and members[-1] in latest:
        newest = events(store, members[-1:])
        closed = {item for done in newest for event, item in done if event == ledger.CLOSED}
        finished = state_items(store, series) - closed
        if digest(finished) in digests:
            return finished
    if members and not store.ask(START_QUERY, substitutions={"g": ox.NamedNode(members[0])}):
        return ledger.replay(events(store, members))
    return None


def rebuilt(store: Store, series: Series, members: list[str]) -> set[str] | None:
    """Write the `recovered` state (the caller holds `service_writes()`) and return its
    items; None, writing nothing, when the state cannot be recovered."""
    found = recovered(store, series, members)
    if found is None:
        return None
    log.info("rebuilding the history state <%s> of %d reports", series.graph, len(members))
    body = ox.serialize(_state(series, members[-1], found), format=ox.RdfFormat.N_TRIPLES)
    store.load(body or b"", media_type=NTRIPLES, graph=series.graph, replace=True)
    return found


def added(
    series: Series, latest: str, opened: Iterable[str], items_digest: str
) -> Iterator[ox.Quad]:
    """The quads a new report adds to its state: the items it opened, its own head (the
    digest of every item current after it).

    Written with the report itself (one load); `removed` follows with the old head and the
    closed items. Until it does, the state names two latest reports: invalid, so a crash in
    between is repaired by a rebuild."""
    node = ox.NamedNode(series.graph)
    for t in _state(series, latest, opened, items_digest):
        yield ox.Quad(t.subject, t.predicate, t.object, node)


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
) -> Iterator[ox.Triple]:
    node = ox.NamedNode(series.graph)
    listed = items if items_digest is not None else list(items)
    yield ox.Triple(node, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SBR.Series)))
    yield ox.Triple(node, ox.NamedNode(LATEST), ox.NamedNode(latest))
    found = digest(listed) if items_digest is None else items_digest
    yield ox.Triple(node, ox.NamedNode(DIGEST), ox.Literal(found))
    current = ox.NamedNode(CURRENT)
    for item in listed:
        yield ox.Triple(node, current, ox.NamedNode(item))
