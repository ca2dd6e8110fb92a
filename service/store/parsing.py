"""Moved to `service.rdf.reader`, the one guarded RDF reader; import from there.

This module only forwards the names still imported from here while callers move over.
"""

from __future__ import annotations

from service.rdf.reader import GraphName, base_iri_of, check_rdf, graph_node, read_body

__all__ = ["GraphName", "base_iri_of", "check_rdf", "graph_node", "read_body"]
