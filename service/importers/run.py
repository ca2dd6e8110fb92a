"""One import = one named graph: the importer's entities plus their PROV-O provenance.

`prepare` reads the sources with the kind's importer and builds the whole graph in memory
(N-Triples) before anything is written, so an import is written all or nothing by the
store's normal load (the edges decide how: `triskel import` loads it, `POST /import/{kind}`
writes it through the app's guard). The graph is `urn:triskel:import:<kind>:<hash>` unless
named: `<hash>` is the SHA-256 of the source (of the sorted SHA-256s of several sources), so
importing the same source again replaces the same graph.

Provenance sits in the import graph itself, about the graph's IRI, where a query finds it
next to the data:

    <graph> a prov:Entity ; prov:wasDerivedFrom <ni:///sha-256;...> ;
        prov:wasGeneratedBy <run> ; prov:generatedAtTime "..."^^xsd:dateTime .
    <run> a prov:Activity ; prov:used <ni:///sha-256;...> ;
        prov:wasAssociatedWith <urn:triskel:importer:<kind>:<version>> ;
        dcterms:description "<the options, as JSON>" .
    <urn:triskel:importer:<kind>:<version>> a prov:SoftwareAgent ; rdfs:label ... ;
        owl:versionInfo "<version>" .
    <ni:///sha-256;...> a prov:Entity ; dcterms:identifier "sha256:<hex>" .

Sources are named by RFC 6920 `ni` URIs of their SHA-256. The run's IRI is derived from
everything the import wrote but the time (entities, options, sources, importer version), so
re-importing the same source with the same options finds its run already in the graph and
writes nothing (`Prepared.is_current`): the graph keeps its triples and its canonical hash,
and `prov:generatedAtTime` still says when its content was made.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyoxigraph import Literal, NamedNode

from service.errors import InputError
from service.importers import importer_named
from service.importers.contract import (
    IDENTIFIER,
    RDF_TYPE,
    RDFS_LABEL,
    Pseudonyms,
    Request,
    Source,
    Summary,
    Triples,
    date_time,
    entity_iri,
    iri,
    literal,
)
from service.rdf.formats import NTRIPLES
from service.rdf.reader import MAX_BYTES
from service.store.base import Store
from service.store.system_graphs import check_writable

PROV = "http://www.w3.org/ns/prov#"
DESCRIPTION = "<http://purl.org/dc/terms/description>"
VERSION_INFO = "<http://www.w3.org/2002/07/owl#versionInfo>"
GRAPH_PREFIX = "urn:triskel:import:"


def _prov(local: str) -> str:
    return f"<{PROV}{local}>"


@dataclass(frozen=True, slots=True)
class Prepared:
    """An import read and built, not yet written: the graph's N-Triples and what it holds."""

    kind: str
    graph: str
    body: bytes
    triples: int
    run: str
    summary: Summary
    sources: tuple[tuple[str, str], ...]
    pseudonymised: bool

    def is_current(self, store: Store) -> bool:
        """True when the store's graph is this very import already (its run and its size):
        writing it again would change nothing but the time."""
        rows = store.select(
            f"SELECT ?g ?run (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ "
            f"?g {_prov('wasGeneratedBy')} ?run . ?s ?p ?o }} }} GROUP BY ?g ?run",
            substitutions={"g": NamedNode(self.graph), "run": NamedNode(self.run)},
        )
        count = rows[0].get("n") if rows else None
        return isinstance(count, Literal) and int(count.value) == self.triples

    def write(self, store: Store) -> None:
        """Replace the graph with the import, all or nothing (the store's own load), parsed
        once: the store needs no checking parse of a document written here (`triples`)."""
        store.load(
            self.body,
            media_type=NTRIPLES,
            graph=self.graph,
            replace=True,
            source=self.kind,
            triples=self.triples,
        )

    def report(self, *, written: bool, dry_run: bool) -> dict[str, Any]:
        """The summary as JSON: what `triskel import` prints and the route answers."""
        summary = self.summary
        return {
            "kind": self.kind,
            "graph": self.graph,
            "sources": [{"name": name, "sha256": digest} for name, digest in self.sources],
            "dry_run": dry_run,
            "written": written,
            "pseudonymised": self.pseudonymised,
            "triples": self.triples,
            **summary.counts(),
            "details": dict(sorted(summary.details.items())),
            "skipped_count": summary.skipped_count,
            "skipped": [{"where": item.where, "why": item.why} for item in summary.skipped],
        }


def parse_since(text: str) -> datetime:
    """`--since`: an ISO 8601 date or date and time; without a zone it is UTC.

    >>> parse_since("2011-01-01")
    datetime.datetime(2011, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"since: {text!r} is not an ISO 8601 date or date and time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def source_hash(sources: Sequence[Source]) -> str:
    """The hex SHA-256 naming an import: the source's own, or that of the sorted SHA-256s
    of several sources (one per line)."""
    digests = sorted(source.sha256 for source in sources)
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(f"{d}\n" for d in digests).encode()).hexdigest()


def ni_uri(hex_digest: str) -> str:
    """The RFC 6920 `ni` URI of a SHA-256.

    >>> ni_uri(hashlib.sha256(b"Hello World!").hexdigest())
    'ni:///sha-256;f4OxZX_x_FO5LcGBSKHWXfwtSx-j1ncoSt3SABJtkGk'
    """
    raw = base64.urlsafe_b64encode(bytes.fromhex(hex_digest)).decode().rstrip("=")
    return f"ni:///sha-256;{raw}"


def prepare(
    kind: str,
    sources: Sequence[Source],
    *,
    options: Mapping[str, str],
    mapping: bytes | None = None,
    pseudonym_key: str | None = None,
    pseudonymise: bool = False,
    since: datetime | None = None,
    graph: str | None = None,
    now: datetime | None = None,
    max_bytes: int = MAX_BYTES,
) -> Prepared:
    """Read `sources` as `kind` and build the import graph; nothing is written.

    `NotFoundError` for an unknown kind; `ForbiddenOperationError` for a system graph;
    `InputError` for an unknown option, a graph name that is not an IRI, no source,
    pseudonymising without a key, or a source that is not of the kind (naming why);
    `TooLargeError` for an archive that unpacks past `max_bytes` or holds too many entries.
    """
    importer = importer_named(kind)
    if not sources:
        raise InputError(f"{kind}: no source to import")
    name = graph or f"{GRAPH_PREFIX}{kind}:{source_hash(sources)}"
    try:
        NamedNode(name)
    except ValueError:
        raise InputError(f"graph {name!r} is not an absolute IRI") from None
    check_writable([name])
    pseudonyms = Pseudonyms(pseudonym_key or "") if pseudonymise else None
    resolved = importer.resolve_options(options)
    request = Request(
        resolved, mapping=mapping, pseudonyms=pseudonyms, since=since, max_bytes=max_bytes
    )
    entities = Triples()
    summary = importer.read(list(sources), request, entities)
    settings = {
        "options": resolved,
        "mapping": None if mapping is None else f"sha256:{hashlib.sha256(mapping).hexdigest()}",
        "pseudonymise": pseudonymise,
        "since": None if since is None else since.isoformat(),
    }
    described = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    digests = [source.sha256 for source in sources]
    content = hashlib.sha256()
    for part in (importer.name, importer.version, name, described, *digests):
        content.update(part.encode("utf-8") + b"\n")
    entities.hash_into(content)
    run = entity_iri("run", kind, content.hexdigest())
    agent = entity_iri("importer", kind, importer.version)
    out = entities  # the provenance follows the entities in the one document
    node = iri(name)
    out.add(node, RDF_TYPE, _prov("Entity"))
    out.add(node, _prov("wasGeneratedBy"), iri(run))
    out.add(node, _prov("generatedAtTime"), date_time((now or _now()).replace(microsecond=0)))
    out.add(iri(run), RDF_TYPE, _prov("Activity"))
    out.add(iri(run), _prov("wasAssociatedWith"), iri(agent))
    out.add(iri(run), DESCRIPTION, literal(described))
    out.add(iri(agent), RDF_TYPE, _prov("SoftwareAgent"))
    out.add(iri(agent), RDFS_LABEL, literal(f"triskel {kind} importer"))
    out.add(iri(agent), VERSION_INFO, literal(importer.version))
    for digest in dict.fromkeys(digests):
        source_node = iri(ni_uri(digest))
        out.add(node, _prov("wasDerivedFrom"), source_node)
        out.add(iri(run), _prov("used"), source_node)
        out.add(source_node, RDF_TYPE, _prov("Entity"))
        out.add(source_node, IDENTIFIER, literal(f"sha256:{digest}"))
    return Prepared(
        kind=kind,
        graph=name,
        body=out.encode(),
        triples=len(out),
        run=run,
        summary=summary,
        sources=tuple(
            (source.name, digest) for source, digest in zip(sources, digests, strict=True)
        ),
        pseudonymised=pseudonymise,
    )


def _now() -> datetime:
    return datetime.now(UTC)
