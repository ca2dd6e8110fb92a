"""Reports over HTTP: the media types offered and the response for each (`/validate`,
`/reports/{id}`). JSON is the default; Turtle, JSON-LD and N-Triples give the W3C
`sh:ValidationReport`; `text/plain` the readable table. A report kept in the history says
so: its JSON has a `report` member (id, time, fingerprint...), its RDF the metadata triples.

A kept report may hold only the first of its results (`TRISKEL_MAX_REPORT_RESULTS`): then
every answer naming it carries `Triskel-Report-Truncated` ("<kept> of <found> results kept") and
its entry `"truncated": true`; read back, its JSON says `"truncated": true` at the top, with
the counts and `conforms` of the whole validation.
"""

from __future__ import annotations

from fastapi import Response

from service.api.negotiation import choose
from service.rdf.formats import JSONLD, NTRIPLES, TURTLE
from service.reports import to_dict, to_text
from service.reports.as_json import dumps
from service.reports.as_rdf import RDF_FORMATS, to_graph
from service.reports.history import Entry, as_graph
from service.reports.model import Report

VIEWS: dict[str, str] = {
    "application/json": "json",
    "text/plain": "text",
    TURTLE: "turtle",
    JSONLD: "jsonld",
    NTRIPLES: "nt",
}
"""Offered media types → report view names. JSON first: the default. `text/plain` before
N-Triples: the formats table counts `text/plain` as an old name of N-Triples, and ties go
to the earlier offer, so `Accept: text/plain` gets the readable text."""


def negotiate(accept: str | None) -> str:
    """The report media type the caller prefers (`NotAcceptableError` for none of `VIEWS`)."""
    return choose(accept, tuple(VIEWS))


def report_response(report: Report, entry: Entry | None, media_type: str) -> Response:
    """The report in `media_type` (one of `VIEWS`), with `Vary: Accept`."""
    view = VIEWS[media_type]
    headers = {"Vary": "Accept"}
    if entry is not None:
        headers["Location"] = f"/reports/{entry.id}"
        if entry.truncated:
            found = sum(entry.counts.values())
            headers["Triskel-Report-Truncated"] = f"{entry.results_kept} of {found} results kept"
    if view == "json":
        document = to_dict(report) | ({"report": entry.to_dict()} if entry else {})
        if entry is not None and len(report.results) < sum(entry.counts.values()):
            document |= {"truncated": True, "counts": entry.counts, "conforms": entry.conforms}
        body = dumps(document)
    elif view == "text":
        body, media_type = to_text(report).encode("utf-8"), "text/plain; charset=utf-8"
    else:
        graph = as_graph(report, entry) if entry else to_graph(report)
        body = graph.serialize(format=RDF_FORMATS[view]).encode("utf-8")
    return Response(body, media_type=media_type, headers=headers)
