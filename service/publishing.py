"""Serialise the ontology documents for linked-data tools and for people.

Each published document (`service.resources.DOCUMENTS`: the core, the concepts and mappings it
imports, the report vocabulary) is serialised on its own, so an OWL tool sees one
`owl:Ontology` header per document, with its own title and version IRI, and follows
`owl:imports` to the others; merging them into one document gave the OWL API three titles
on one ontology and lost two version IRIs. Machine formats come from rdflib's serialisers.
The HTML documentation is rendered by a Jinja2 template from three SPARQL queries
(`service/templates/doc-*.rq`) over the document and what it imports, under that document's
header; each term gets an element whose `id` is its local name, so the hash IRI
`https://w3id.org/social-business#voice` lands on the right place when the core's HTML is
served at the ontology IRI, although the value itself is defined in the imported concepts.
(pyLODE does not import here; ontospy works offline but anchors terms by prefixed name and
writes a folder of assets, which breaks hash-IRI dereferencing.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from service.errors import UnsupportedFormatError
from service.ontology import Row, read_graph, select
from service.rdf.formats import rdf_format_named
from service.resources import OntologyDocument, imports_closure

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

RDF_FORMATS: dict[str, tuple[str, str]] = {
    name: (rdf_format_named(name).rdflib, rdf_format_named(name).media_type)
    for name in ("ttl", "xml", "jsonld", "nt")
}
"""Export format name -> (rdflib serialiser, media type), from the one formats table."""

MEDIA_TYPES: dict[str, str] = {
    **{name: media for name, (_, media) in RDF_FORMATS.items()},
    "html": "text/html",
}
"""Every export format and the media type it is served as."""

SECTIONS: tuple[tuple[URIRef, str, str, str], ...] = (
    (OWL.Class, "classes", "Classes", "class"),
    (OWL.ObjectProperty, "object-properties", "Object properties", "object property"),
    (OWL.DatatypeProperty, "datatype-properties", "Datatype properties", "datatype property"),
    (OWL.AnnotationProperty, "annotation-properties", "Annotation properties", "annotation"),
    (OWL.NamedIndividual, "values", "Controlled values and schemes", "value"),
)
"""Documentation sections in order: kind of term, anchor, heading, name of one such term."""


@dataclass(frozen=True)
class Link:
    """A value shown in the documentation: its text and, for IRIs, where it links to."""

    text: str
    href: str | None


@dataclass(frozen=True)
class TermDoc:
    """One term as the template shows it."""

    anchor: str
    curie: str
    kind: str
    label: str
    definition: str
    relations: tuple[tuple[str, tuple[Link, ...]], ...]


@dataclass(frozen=True)
class SectionDoc:
    """A group of terms of one kind."""

    anchor: str
    title: str
    terms: tuple[TermDoc, ...]


def export_document(document: OntologyDocument, fmt: str) -> str:
    """One published ontology document in an export format (see `export`).

    The RDF formats hold the document alone: its one `owl:Ontology` header, its version IRI
    and its `owl:imports`. The HTML documents the terms of its namespace as the document and
    its imports closure describe them, under this document's header.

    Raises UnsupportedFormatError for an unknown format name, RDFSyntaxError for a broken file.
    """
    _check_format(fmt)
    graph = read_graph(sources(document, fmt))
    if fmt == "html":
        return render_html(graph, ontology=document.iri)
    return export(graph, fmt)


def sources(document: OntologyDocument, fmt: str) -> tuple[Path, ...]:
    """The files `export_document(document, fmt)` reads, so caches can follow their changes."""
    if fmt == "html":
        return tuple(doc.path for doc in imports_closure(document))
    return (document.path,)


def export(graph: Graph, fmt: str) -> str:
    """A graph in an export format (`ttl`, `xml`, `jsonld`, `nt` or `html`).

    Raises UnsupportedFormatError for any other format name.
    """
    _check_format(fmt)
    if fmt == "html":
        return render_html(graph)
    if fmt == "jsonld":
        # An inline context of the bound prefixes: compact, and nothing to fetch.
        context = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
        return graph.serialize(format="json-ld", context=context)
    return graph.serialize(format=RDF_FORMATS[fmt][0])


def _check_format(fmt: str) -> None:
    if fmt not in MEDIA_TYPES:
        raise UnsupportedFormatError(
            f"unknown ontology export format '{fmt}' (choose from {', '.join(MEDIA_TYPES)})"
        )


def render_html(graph: Graph, *, ontology: str | None = None) -> str:
    """Human documentation of every term of one ontology's namespace, one anchor each.

    `ontology` names the `owl:Ontology` whose header heads the page; by default, the one whose
    IRI plus `#` is its `vann:preferredNamespaceUri`. Raises UnsupportedFormatError when the
    graph has no such ontology.
    """
    header = _header(_query(graph, "doc-ontology.rq"), ontology)
    namespace = header["namespace"]
    imports = sorted(str(iri) for iri in graph.objects(URIRef(header["ontology"]), OWL.imports))
    relations = _relations(graph, namespace)
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"])
    )
    template = environment.get_template("ontology.html.j2")
    return template.render(
        header=header, imports=imports, sections=_sections(graph, namespace, relations)
    )


def _header(rows: list[Row], ontology: str | None) -> Row:
    """The header row of the ontology to document (see `render_html`)."""
    for row in rows:
        if row["ontology"] == ontology or (
            ontology is None and row["ontology"] + "#" == row["namespace"]
        ):
            return row
    wanted = f"<{ontology}>" if ontology else "whose IRI plus '#' is its namespace"
    raise UnsupportedFormatError(
        f"no owl:Ontology {wanted} with a vann:preferredNamespaceUri to document"
    )


def _query(graph: Graph, name: str) -> list[Row]:
    return select(graph, (TEMPLATES_DIR / name).read_text(encoding="utf-8"))


def _sections(
    graph: Graph, namespace: str, relations: dict[str, tuple[tuple[str, tuple[Link, ...]], ...]]
) -> list[SectionDoc]:
    """Terms grouped by kind; a term with several kinds is shown under the first of SECTIONS."""
    by_kind: dict[str, list[TermDoc]] = defaultdict(list)
    seen: set[str] = set()
    rows = _query(graph, "doc-terms.rq")
    for kind, _, _, kind_name in SECTIONS:
        for row in rows:
            term = row["term"]
            if row["kind"] != str(kind) or term in seen or not term.startswith(namespace):
                continue
            seen.add(term)
            by_kind[str(kind)].append(
                TermDoc(
                    anchor=term.removeprefix(namespace),
                    curie=graph.namespace_manager.normalizeUri(URIRef(term)),
                    kind=kind_name,
                    label=row.get("label", term.removeprefix(namespace)),
                    definition=row.get("definition", ""),
                    relations=relations.get(term, ()),
                )
            )
    return [
        SectionDoc(anchor, title, tuple(by_kind[str(kind)]))
        for kind, anchor, title, _ in SECTIONS
        if by_kind[str(kind)]
    ]


def _relations(graph: Graph, namespace: str) -> dict[str, tuple[tuple[str, tuple[Link, ...]], ...]]:
    """For each term, its relations in query order, each with the linked values."""
    grouped: dict[str, dict[str, list[Link]]] = defaultdict(lambda: defaultdict(list))
    for row in _query(graph, "doc-relations.rq"):
        if not row["term"].startswith(namespace):
            continue
        grouped[row["term"]][row["relation"]].append(_link(graph, namespace, row["value"]))
    return {
        term: tuple((relation, tuple(links)) for relation, links in by_relation.items())
        for term, by_relation in grouped.items()
    }


def _link(graph: Graph, namespace: str, value: str) -> Link:
    """Own terms link to their anchor, other IRIs to themselves, literals to nothing."""
    if value.startswith(namespace):
        return Link(
            graph.namespace_manager.normalizeUri(URIRef(value)), f"#{value[len(namespace) :]}"
        )
    if value.startswith(("http://", "https://")):
        return Link(graph.namespace_manager.normalizeUri(URIRef(value)), value)
    return Link(value, None)
