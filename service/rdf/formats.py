"""One table of the RDF and SPARQL-results formats the service reads and writes.

Each RDF format is named four ways (media type, file extension, pyoxigraph `RdfFormat`, the
rdflib plugin name); this module is the only place that maps between them, so the API, the
CLI, both store backends, validation and the ontology export agree on what `.ttl` or
`application/trig` means. The media types other modules spell out are here as constants.

>>> rdf_format_for("text/turtle; charset=utf-8").extension
'ttl'
>>> rdf_format_for_path("data/example/acme.nq").media_type
'application/n-quads'
>>> results_format_for("text/csv").media_type
'text/csv'
>>> rdf_format_named("xml").rdflib
'xml'
>>> sorted(FOLDER_SUFFIXES)
['.jsonld', '.nq', '.nt', '.rdf', '.trig', '.ttl']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TypeVar

from pyoxigraph import QueryResultsFormat, RdfFormat
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from service.errors import UnsupportedFormatError
from service.namespaces import SB, SBSH


@dataclass(frozen=True, slots=True)
class Format:
    """One serialisation: canonical media type, main file extension, pyoxigraph format, rdflib
    plugin name, media-type aliases and further extensions (accepted for a named file, never
    picked up from a folder: a `.json` or `.xml` there is rarely RDF)."""

    name: str
    media_type: str
    extension: str
    oxigraph: RdfFormat
    rdflib: str
    aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()

    @property
    def all_extensions(self) -> tuple[str, ...]:
        """The main extension and the further ones: any of them names this format."""
        return (self.extension, *self.extensions)

    @property
    def is_dataset(self) -> bool:
        """True when the format can carry named graphs (N-Quads, TriG, JSON-LD)."""
        return bool(self.oxigraph.supports_datasets)


TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"
TRIG = "application/trig"
RDFXML = "application/rdf+xml"
JSONLD = "application/ld+json"
RESULTS_JSON = "application/sparql-results+json"

RDF_FORMATS: tuple[Format, ...] = (
    Format("turtle", TURTLE, "ttl", RdfFormat.TURTLE, "turtle", ("application/x-turtle",)),
    Format(
        "ntriples",
        NTRIPLES,
        "nt",
        RdfFormat.N_TRIPLES,
        "nt",
        ("text/plain", "text/n-triples"),
    ),
    Format("nquads", NQUADS, "nq", RdfFormat.N_QUADS, "nquads", ("text/x-nquads",)),
    Format("trig", TRIG, "trig", RdfFormat.TRIG, "trig", ("application/x-trig",)),
    Format(
        "rdfxml",
        RDFXML,
        "rdf",
        RdfFormat.RDF_XML,
        "xml",
        ("application/xml", "text/xml"),
        ("owl", "xml"),
    ),
    Format("jsonld", JSONLD, "jsonld", RdfFormat.JSON_LD, "json-ld", (), ("json",)),
)
"""Every RDF format we parse and serialise (pyoxigraph's own strict parsers, JSON-LD included:
pyoxigraph 0.5 parses JSON-LD and never fetches a remote `@context`)."""

FOLDER_SUFFIXES = frozenset(f".{fmt.extension}" for fmt in RDF_FORMATS)
"""The files a folder contributes when a folder is given for files (load, validate)."""


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

    @property
    def all_extensions(self) -> tuple[str, ...]:
        """The one extension, as `Format.all_extensions` gives an RDF format's."""
        return (self.extension,)


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat(
        "json",
        RESULTS_JSON,
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


_AnyFormat = TypeVar("_AnyFormat", Format, ResultsFormat)


def _for_media_type(formats: tuple[_AnyFormat, ...], media_type: str, kind: str) -> _AnyFormat:
    """The format of `formats` a media type names (aliases accepted), or
    `UnsupportedFormatError` saying which `kind` of media type was not known."""
    bare = _bare(media_type)
    for fmt in formats:
        if bare == fmt.media_type or bare in fmt.aliases:
            return fmt
    raise UnsupportedFormatError(f"unsupported {kind} media type {bare!r}")


def _named(formats: tuple[_AnyFormat, ...], name: str, kind: str) -> _AnyFormat:
    """The format of `formats` called `name` (its name or an extension), else the one whose
    media type `name` is."""
    wanted = name.strip().lower()
    for fmt in formats:
        if wanted == fmt.name or wanted in fmt.all_extensions:
            return fmt
    return _for_media_type(formats, wanted, kind)


def rdf_format_for(media_type: str) -> Format:
    """The RDF format of a media type (aliases accepted); `UnsupportedFormatError` if none."""
    return _for_media_type(RDF_FORMATS, media_type, "RDF")


def rdf_format_named(name: str) -> Format:
    """The RDF format called `name` (`turtle`, `nt`, `jsonld`, or a media type)."""
    return _named(RDF_FORMATS, name, "RDF")


def rdf_format_for_path(path: str | PurePath) -> Format:
    """The RDF format of a file by its extension (`.ttl`, `.nt`, `.nq`, `.trig`, `.rdf`...)."""
    suffix = PurePath(path).suffix.lower().lstrip(".")
    for fmt in RDF_FORMATS:
        if suffix in fmt.all_extensions:
            return fmt
    raise UnsupportedFormatError(f"{path}: unknown RDF file extension {suffix!r}")


def results_format_for(media_type: str) -> ResultsFormat:
    """The SPARQL results format of a media type; `UnsupportedFormatError` if none."""
    return _for_media_type(RESULTS_FORMATS, media_type, "SPARQL results")


def results_format_named(name: str) -> ResultsFormat:
    """The results format called `name` (`json`, `xml`, `csv`, `tsv`, or a media type)."""
    return _named(RESULTS_FORMATS, name, "SPARQL results")
