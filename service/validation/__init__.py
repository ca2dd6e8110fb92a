"""Validation: run the SHACL rule pack over data and build a report.

    >>> from service.validation import validate
    >>> report = validate(["data/example"], engine="pyshacl")  # doctest: +SKIP
    >>> report.conforms, report.counts  # doctest: +SKIP

Modules and their jobs (the engine contract is in `model`):

* `model`     — `Finding` (one result) and the `Engine` protocol.
* `analytics` — the network analytics the rules over analytics read, only while current.
* `shapes`    — `ShapePack`: shapes parsed once, read-only, with per-rule metadata.
* `prepare`   — `PreparedData`: the data + ontology + concepts, materialised, as a pyoxigraph
  store and an rdflib graph.
* `rdfio`     — reading RDF sources and converting terms between pyoxigraph and rdflib.
* `reference` — the `pyshacl` engine (`reference.run`).
* `fast`      — the set-based engine (`fast.run`), the default.
* `compile`   — a `ShapePack` compiled once into set-based queries (+ the roots left to
  pySHACL); `compile_sparql` (SHACL-SPARQL), `compile_core` (Core constraints), `targets`
  (focus nodes), `rewrite` (pre-binding as a join, NOT EXISTS as MINUS), `derived` (shared
  relations computed once per run), `algebra_text` (rdflib algebra back to SPARQL text).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rdflib import Graph

from service import rdflib_sparql
from service.errors import InputError, TriskelError
from service.validation import analytics
from service.validation.model import Engine, Finding, Severity
from service.validation.prepare import PreparedData
from service.validation.rdfio import Source
from service.validation.shapes import ShapePack, from_files, from_sources, load_builtin

if TYPE_CHECKING:
    from service.reports.model import Report

rdflib_sparql.install()  # shapes compile and pySHACL parse SPARQL with rdflib, concurrently

EngineName = Literal["fast", "pyshacl"]
ENGINES: tuple[EngineName, ...] = ("fast", "pyshacl")

Data = PreparedData | Graph | Source | bytes | Path | str | Iterable[Path | str] | Iterable[Source]


def validate(
    data: Data,
    *,
    format: str | None = None,
    shapes: ShapePack | None = None,
    engine: EngineName = "fast",
    fail_on: Severity = "violation",
    on_phase: Callable[[str], None] | None = None,
) -> Report:
    """Validate `data` against `shapes` (default: the built-in rules R01-R20).

    `data` is prepared data, an rdflib Graph, a `Source`, bytes (with `format`, e.g. "ttl"),
    or a file or folder path, or several paths or sources (an iterator of sources is parsed
    as it gives them). `fail_on` is the least severity that breaks conformance.
    `on_phase` hears "reading data", "checking rules", "building report" as they start.
    Raises InputError subclasses for unreadable data or shapes.
    """
    from service.reports.model import Report  # reports build on this package: import late

    phase = on_phase or (lambda name: None)
    run = engine_named(engine)
    phase("reading data")
    prepared = prepare_data(data, format=format)
    pack = shapes if shapes is not None else load_builtin()
    if pack.analytics:
        prepared = analytics.current_only(prepared)
    phase("checking rules")
    findings = run(prepared, pack)
    phase("building report")
    return Report.build(unique_findings(findings), pack, prepared, fail_on=fail_on)


def prepare_data(data: Data, *, format: str | None = None) -> PreparedData:
    """Turn any accepted form of `data` into `PreparedData`."""
    if isinstance(data, PreparedData):
        return data
    if isinstance(data, Graph):
        return PreparedData.from_graph(data)
    if isinstance(data, Source):
        return PreparedData.from_sources([data])
    if isinstance(data, bytes):
        if format is None:
            raise InputError("bytes need a format (e.g. 'ttl', 'nt', 'jsonld')")
        return PreparedData.from_sources([Source("<input>", data, format)])
    if isinstance(data, str | Path):
        return PreparedData.from_paths([Path(data)])
    if isinstance(data, Iterator):  # sources parsed as they come (a store read in pieces)
        return PreparedData.from_sources(data)
    items = list(data)
    if all(isinstance(item, Source) for item in items):
        return PreparedData.from_sources(item for item in items if isinstance(item, Source))
    return PreparedData.from_paths(Path(p) for p in items if not isinstance(p, Source))


def engine_named(name: str) -> Engine:
    """The engine callable for a name ("fast" or "pyshacl")."""
    if name not in ENGINES:
        raise InputError(f"unknown engine '{name}' (choose from {', '.join(ENGINES)})")
    module = "service.validation.reference" if name == "pyshacl" else "service.validation.fast"
    try:
        run: Engine = importlib.import_module(module).run
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise TriskelError(f"the '{name}' engine is not available in this build") from None
    return run


def unique_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (rule, severity, focus, value, shape, component, path), in a stable
    order. Two SPARQL constraints of one shape may find the same thing for different reasons
    (R09, R19); the report counts it once, with the first message in sorted order."""
    ordered = sorted(findings, key=lambda f: tuple(str(x) for x in (*f.key, f.shape, f.message)))
    kept: dict[tuple[object, ...], Finding] = {}
    for finding in ordered:
        kept.setdefault((*finding.key, finding.shape, finding.component, finding.path), finding)
    return list(kept.values())


__all__ = [
    "ENGINES",
    "Engine",
    "EngineName",
    "Finding",
    "PreparedData",
    "ShapePack",
    "engine_named",
    "from_files",
    "from_sources",
    "load_builtin",
    "prepare_data",
    "unique_findings",
    "validate",
]
