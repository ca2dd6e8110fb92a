"""Report history: every validation of the store is kept in the store itself.

Each kept report is a named graph `urn:triskel:report:<id>` holding the W3C
`sh:ValidationReport` (with the finding context of `as_rdf`) on the node of the same IRI,
plus its metadata: `dcterms:identifier` (the id), `dcterms:created`, `sbr:dataFingerprint`
(the canonical hash of the validated data, `snapshot`), `sbr:shapesVersion` (the same hash of
the shapes), `sbr:engine`, `sbr:scope` (the graph validated, absent for the whole store) and
the counts `sbr:violations`, `sbr:warnings`, `sbr:infos`. Since the history is ordinary RDF,
teams can query past reports with SPARQL; `templates/report-history.rq` is the list query.

A kept report reads back whole, except that its blank nodes (a property shape without an
IRI as `sourceShape`, a blank-node focus) carry the labels the store gave them.

Ids sort by time (`20261127T120501123456Z-3fa2c1`), so a newer report has a larger id.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH, XSD

from service.errors import NotFoundError
from service.namespaces import SBR
from service.reports.as_rdf import from_graph, to_graph
from service.reports.canonical import canonical_hash
from service.reports.model import Report
from service.reports.snapshot import NTRIPLES, REPORT_GRAPH_PREFIX
from service.store.base import Row, Store
from service.store.system_graphs import service_writes
from service.validation.rdfio import graph_to_triples, triples_to_graph
from service.validation.shapes import ShapePack

LIST_QUERY = Path(__file__).resolve().parent.parent / "templates" / "report-history.rq"
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
_COUNTS = (("violation", SBR.violations), ("warning", SBR.warnings), ("info", SBR.infos))


@dataclass(frozen=True)
class Entry:
    """One kept validation: what was validated, against what, when, and what it found."""

    id: str
    created: datetime
    fingerprint: str
    shapes_version: str
    engine: str
    scope: str | None
    counts: dict[str, int]
    conforms: bool

    @property
    def graph(self) -> str:
        """The named graph the report is kept in (also the IRI of its report node)."""
        return report_graph(self.id)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data."""
        return {
            "id": self.id,
            "created": self.created.isoformat(),
            "fingerprint": self.fingerprint,
            "shapes_version": self.shapes_version,
            "engine": self.engine,
            "scope": self.scope,
            "counts": self.counts,
            "conforms": self.conforms,
            "graph": self.graph,
        }


def report_graph(report_id: str) -> str:
    """The graph IRI of a report id (`NotFoundError` for a malformed id: no such report)."""
    if not _ID.fullmatch(report_id):
        raise NotFoundError(f"no report {report_id!r}: ids are letters, digits and '-'")
    return REPORT_GRAPH_PREFIX + report_id


def shapes_version(pack: ShapePack) -> str:
    """`sha256:<hex>` of the canonical shapes graph: equal shapes, equal version."""
    quads = (ox.Quad(t.subject, t.predicate, t.object) for t in graph_to_triples(pack.graph))
    return canonical_hash(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")


def new_entry(
    report: Report, *, fingerprint: str, shapes: str, engine: str, scope: str | None
) -> Entry:
    """A history entry for a report just made (a fresh, time-ordered id)."""
    now = datetime.now(UTC)
    return Entry(
        id=f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}",
        created=now,
        fingerprint=fingerprint,
        shapes_version=shapes,
        engine=engine,
        scope=scope,
        counts=dict(report.counts),
        conforms=report.conforms,
    )


def record(store: Store, report: Report, entry: Entry) -> None:
    """Keep the report and its metadata in the entry's graph (one all-or-nothing load)."""
    body = as_graph(report, entry).serialize(format="nt", encoding="utf-8")
    with service_writes():
        store.load(body, media_type=NTRIPLES, graph=entry.graph, source=f"report {entry.id}")


def as_graph(report: Report, entry: Entry) -> Graph:
    """The graph a kept report is stored as: the report on the node `entry.graph`, plus the
    entry's metadata on the same node."""
    node = URIRef(entry.graph)
    graph = to_graph(report, node=node)
    for predicate, value in (
        (DCTERMS.identifier, Literal(entry.id)),
        (DCTERMS.created, Literal(entry.created.isoformat(), datatype=XSD.dateTime)),
        (SBR.dataFingerprint, Literal(entry.fingerprint)),
        (SBR.shapesVersion, Literal(entry.shapes_version)),
        (SBR.engine, Literal(entry.engine)),
        *((p, Literal(entry.counts[name])) for name, p in _COUNTS),
    ):
        graph.add((node, predicate, value))
    if entry.scope is not None:
        graph.add((node, SBR.scope, URIRef(entry.scope)))
    return graph


def entries(store: Store) -> list[Entry]:
    """Every kept report's entry, newest first."""
    return [_entry(row) for row in store.select(LIST_QUERY.read_text(encoding="utf-8"))]


def read(store: Store, report_id: str) -> tuple[Entry, Report]:
    """A kept report and its entry; `NotFoundError` when there is none with that id."""
    graph_iri = report_graph(report_id)
    if graph_iri not in store.graphs():
        raise NotFoundError(f"no report {report_id!r}")
    body = store.export(graph_iri, media_type=NTRIPLES)
    graph = triples_to_graph(ox.parse(body, ox.RdfFormat.N_TRIPLES))  # keeps blank-node ids
    node = URIRef(graph_iri)
    return _entry_of_graph(graph, node), from_graph(graph, node)


def _entry(row: Row) -> Entry:
    scope = row.get("scope")
    return Entry(
        id=row["id"].value,
        created=datetime.fromisoformat(row["created"].value),
        fingerprint=row["fingerprint"].value,
        shapes_version=row["shapes"].value,
        engine=row["engine"].value,
        scope=None if scope is None else scope.value,
        counts={name: int(row[f"{name}s"].value) for name, _ in _COUNTS},
        conforms=row["conforms"].value == "true",
    )


def _entry_of_graph(graph: Graph, node: URIRef) -> Entry:
    def text(predicate: URIRef) -> str:
        return str(graph.value(node, predicate) or "")

    scope = graph.value(node, SBR.scope)
    return Entry(
        id=text(DCTERMS.identifier),
        created=datetime.fromisoformat(text(DCTERMS.created)),
        fingerprint=text(SBR.dataFingerprint),
        shapes_version=text(SBR.shapesVersion),
        engine=text(SBR.engine),
        scope=None if scope is None else str(scope),
        counts={name: int(text(p) or 0) for name, p in _COUNTS},
        conforms=text(SH.conforms) == "true",
    )
