"""The reference engine: plain pySHACL over the prepared data.

It is the yardstick the set-based engine is compared with, and the fallback for shapes the
compiler does not support. pySHACL gets the prepared rdflib graph (already joined with the
ontology and materialised, so no inference is asked of it) and a private copy of the shapes
graph per run (pySHACL issue #314).
"""

from __future__ import annotations

from pyshacl import validate as pyshacl_validate
from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from service.errors import ShapesError
from service.validation.model import Finding, severity_name
from service.validation.prepare import PreparedData
from service.validation.shapes import ShapePack


def run(data: PreparedData, shapes: ShapePack) -> list[Finding]:
    """All findings of `shapes` on `data` as pySHACL reports them (an `Engine`)."""
    return run_on(data.graph, shapes.pyshacl_graph(), shapes)


def run_on(data_graph: Graph, shapes_graph: Graph, pack: ShapePack) -> list[Finding]:
    """pySHACL on explicit graphs (the fast engine's fallback uses a subset of the shapes).

    `shapes_graph` must be a graph no one else uses; `pack` names the rules.
    """
    try:
        _, report, _ = pyshacl_validate(
            data_graph,
            shacl_graph=shapes_graph,
            inference="none",
            abort_on_first=False,
            allow_infos=False,
            allow_warnings=False,
            advanced=False,
        )
    except (ConstraintLoadError, ShapeLoadError, ReportableRuntimeError) as exc:
        raise ShapesError(f"shapes cannot be run: {_first_line(exc)}") from None
    except NotImplementedError as exc:  # e.g. $shapesGraph in a SPARQL constraint
        raise ShapesError(f"shapes use what pySHACL cannot run: {_first_line(exc)}") from None
    if not isinstance(report, Graph):  # pySHACL returns a ValidationFailure (SHACL §5.2)
        raise ShapesError(f"shapes cannot be run: {_first_line(report)}")
    return [_finding(report, r, pack) for r in report.subjects(RDF.type, SH.ValidationResult)]


def _finding(report: Graph, result: Node, pack: ShapePack) -> Finding:
    shape = report.value(result, SH.sourceShape)
    path = report.value(result, SH.resultPath)
    component = report.value(result, SH.sourceConstraintComponent)
    assert shape is not None
    return Finding(
        rule=pack.rule_of(shape),
        severity=severity_name(report.value(result, SH.resultSeverity)),
        focus=report.value(result, SH.focusNode),  # type: ignore[arg-type]
        value=report.value(result, SH.value),
        path=path if isinstance(path, URIRef) else None,
        message=_message(report, result),
        shape=shape,
        component=component if isinstance(component, URIRef) else None,
    )


def _message(report: Graph, result: Node) -> str:
    """The result's message; English first when there are several languages."""
    messages = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    messages.sort(key=lambda m: (m.language not in (None, "en"), str(m)))
    return str(messages[0]) if messages else ""


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
