"""One table of the RDF and SPARQL-results formats the store reads and writes.

Each RDF format is named three ways (media type, file extension, pyoxigraph `RdfFormat`);
this module is the only place that maps between them, so the API, the CLI and both store
backends agree on what `.ttl` or `application/trig` means.

>>> rdf_format_for("text/turtle; charset=utf-8").extension
'ttl'
>>> rdf_format_for_path("data/example/acme.nq").media_type
'application/n-quads'
>>> results_format_for("text/csv").media_type
'text/csv'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from pyoxigraph import QueryResultsFormat, RdfFormat
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from service.errors import UnsupportedFormatError
from service.namespaces import SB, SBSH


@dataclass(frozen=True, slots=True)
class Format:
    """One serialisation: canonical media type, aliases, file extensions, pyoxigraph format."""

    name: str
    media_type: str
    extension: str
    oxigraph: RdfFormat
    aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()

    @property
    def is_dataset(self) -> bool:
        """True when the format can carry named graphs (N-Quads, TriG, JSON-LD)."""
        return bool(self.oxigraph.supports_datasets)


RDF_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", RdfFormat.TURTLE, ("application/x-turtle",)),
    Format(
        "ntriples",
        "application/n-triples",
        "nt",
        RdfFormat.N_TRIPLES,
        ("text/plain", "text/n-triples"),
    ),
    Format("nquads", "application/n-quads", "nq", RdfFormat.N_QUADS, ("text/x-nquads",)),
    Format("trig", "application/trig", "trig", RdfFormat.TRIG, ("application/x-trig",)),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        RdfFormat.RDF_XML,
        ("application/xml", "text/xml"),
        ("owl", "xml"),
    ),
    Format("jsonld", "application/ld+json", "jsonld", RdfFormat.JSON_LD, (), ("json",)),
)
"""Every RDF format we parse and serialise (pyoxigraph's own strict parsers, JSON-LD included:
pyoxigraph 0.5 parses JSON-LD and never fetches a remote `@context`)."""


EXPORT_PREFIXES: dict[str, str] = {
    "sb": str(SB._NS),
    "sbsh": str(SBSH._NS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
}
"""Prefixes written in Turtle, TriG and RDF/XML exports, so they read like the product's files."""


@dataclass(frozen=True, slots=True)
class ResultsFormat:
    """A SPARQL results serialisation (SELECT and ASK answers)."""

    name: str
    media_type: str
    extension: str
    oxigraph: QueryResultsFormat
    aliases: tuple[str, ...] = ()
    boolean: bool = True


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat(
        "json",
        "application/sparql-results+json",
        "srj",
        QueryResultsFormat.JSON,
        ("application/json",),
    ),
    ResultsFormat(
        "xml",
        "application/sparql-results+xml",
        "srx",
        QueryResultsFormat.XML,
        ("application/xml", "text/xml"),
    ),
    ResultsFormat("csv", "text/csv", "csv", QueryResultsFormat.CSV, boolean=False),
    ResultsFormat("tsv", "text/tab-separated-values", "tsv", QueryResultsFormat.TSV, boolean=False),
)
"""SELECT answers in all four; ASK only in JSON and XML (CSV/TSV have no boolean form)."""


def _bare(media_type: str) -> str:
    """The media type without parameters, lower-cased (`text/turtle; charset=utf-8`)."""
    return media_type.split(";", 1)[0].strip().lower()


def rdf_format_for(media_type: str) -> Format:
    """The RDF format of a media type (aliases accepted); `UnsupportedFormatError` if none."""
    bare = _bare(media_type)
    for fmt in RDF_FORMATS:
        if bare == fmt.media_type or bare in fmt.aliases:
            return fmt
    raise UnsupportedFormatError(f"unsupported RDF media type {bare!r}")


def rdf_format_named(name: str) -> Format:
    """The RDF format called `name` (`turtle`, `nt`, `jsonld`, or a media type)."""
    wanted = name.strip().lower()
    for fmt in RDF_FORMATS:
        if wanted in (fmt.name, fmt.extension, *fmt.extensions):
            return fmt
    return rdf_format_for(wanted)


def rdf_format_for_path(path: str | PurePath) -> Format:
    """The RDF format of a file by its extension (`.ttl`, `.nt`, `.nq`, `.trig`, `.rdf`...)."""
    suffix = PurePath(path).suffix.lower().lstrip(".")
    for fmt in RDF_FORMATS:
        if suffix in (fmt.extension, *fmt.extensions):
            return fmt
    raise UnsupportedFormatError(f"{path}: unknown RDF file extension {suffix!r}")


def results_format_for(media_type: str) -> ResultsFormat:
    """The SPARQL results format of a media type; `UnsupportedFormatError` if none."""
    bare = _bare(media_type)
    for fmt in RESULTS_FORMATS:
        if bare == fmt.media_type or bare in fmt.aliases:
            return fmt
    raise UnsupportedFormatError(f"unsupported SPARQL results media type {bare!r}")


def results_format_named(name: str) -> ResultsFormat:
    """The results format called `name` (`json`, `xml`, `csv`, `tsv`, or a media type)."""
    wanted = name.strip().lower()
    for fmt in RESULTS_FORMATS:
        if wanted in (fmt.name, fmt.extension):
            return fmt
    return results_format_for(wanted)
