"""Validation reports: the model of DESIGN §6 and its JSON, RDF and text views.

render(report, "json" | "text" | "turtle" | "jsonld" | "nt") -> str
"""

from __future__ import annotations

from service.errors import UnsupportedFormatError
from service.rdf.formats import JSONLD, NTRIPLES, TURTLE
from service.reports.as_json import to_dict, to_json
from service.reports.as_rdf import RDF_FORMATS, to_graph
from service.reports.as_text import to_text
from service.reports.model import Report, Result, RuleSummary, Score

FORMATS = ("json", "text", "turtle", "jsonld", "nt")
MEDIA_TYPES = {
    "json": "application/json",
    "text": "text/plain; charset=utf-8",
    "turtle": TURTLE,
    "jsonld": JSONLD,
    "nt": NTRIPLES,
}


def render(report: Report, fmt: str) -> str:
    """The report in one of `FORMATS`."""
    if fmt == "json":
        return to_json(report) + "\n"
    if fmt == "text":
        return to_text(report)
    if fmt in RDF_FORMATS:
        return to_graph(report).serialize(format=RDF_FORMATS[fmt])
    raise UnsupportedFormatError(f"unknown report format '{fmt}' (choose from {FORMATS})")


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Report",
    "Result",
    "RuleSummary",
    "Score",
    "render",
    "to_dict",
    "to_graph",
    "to_json",
    "to_text",
]
