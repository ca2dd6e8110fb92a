"""The ontology files as one rdflib graph, the common input of reasoning, quality and publishing.

Reasoning, validation and the store's ontology graph need the union of the core and what it
imports, so `read_graph` merges (its `owl:imports` triples are kept, and never followed);
publishing reads one document at a time (`service.publishing.export_document`).

Parsing goes through `service.validation.rdfio` (pyoxigraph: fast, no remote fetches, syntax
errors with a line number) so every surface reports a broken file the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from service.namespaces import SB, SBR, SBSH
from service.resources import ONTOLOGY_FILES
from service.validation.rdfio import Source, graph_to_triples, parse, triples_to_graph

Row = dict[str, str]
"""One SELECT solution: variable name to the term's lexical value (IRI, literal or bnode id)."""

PREFIXES: dict[str, str] = {
    "sb": str(SB._NS),
    "sbr": str(SBR._NS),
    "sbsh": str(SBSH._NS),
    "sh": "http://www.w3.org/ns/shacl#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "vann": "http://purl.org/vocab/vann/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "sioc": "http://rdfs.org/sioc/ns#",
    "schema": "https://schema.org/",
    "as": "https://www.w3.org/ns/activitystreams#",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "archimate": "http://www.opengroup.org/xsd/archimate/3.0/",
}
"""Prefixes bound on every graph read, so exports read like the hand-written Turtle."""


def read_graph(paths: Iterable[Path] = ONTOLOGY_FILES) -> Graph:
    """Parse RDF files (the core ontology and the two it imports, by default) into one graph.

    Raises RDFSyntaxError naming the file and line, UnsupportedFormatError for an unknown
    extension, OSError for a file that cannot be read.
    """
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for path in paths:
        triples_to_graph(parse(Source.from_path(Path(path))), graph)
    return graph


def select(graph: Graph, query: str) -> list[Row]:
    """Answer a SPARQL SELECT over `graph` with pyoxigraph (rdflib's engine is far slower on
    the path-and-join queries of the checks). Unbound variables are left out of a row."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in graph_to_triples(graph))
    solutions = store.query(query)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    names = [variable.value for variable in solutions.variables]
    return [
        {name: solution[name].value for name in names if solution[name] is not None}
        for solution in solutions
    ]
