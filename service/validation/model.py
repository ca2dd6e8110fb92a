"""What an engine returns: `Finding`, and what an engine is: `Engine`.

The contract every engine follows (DESIGN §5):

* An engine is a callable `engine(data: PreparedData, shapes: ShapePack) -> list[Finding]`.
  It reads `data.graph` (rdflib) or `data.store` (pyoxigraph) and never mutates either, nor
  `shapes.graph`; two runs may share both at the same time.
* It returns one `Finding` per SHACL validation result, in no particular order. Duplicates
  (same key and same source shape and component) are not expected; `validate` removes them.
* `rule` is `shapes.rule_of(source_shape)` — the sh:name of the top-level shape ("R04") or the
  IRI string of a custom shape without a name — so both engines name rules the same way.
* `severity` is `severity_name(sh:resultSeverity)`; `focus`, `value`, `path`, `shape`,
  `component` are the sh:focusNode, sh:value, sh:resultPath (a predicate IRI, else None),
  sh:sourceShape and sh:sourceConstraintComponent of the result, as rdflib terms (convert
  pyoxigraph terms with `service.validation.rdfio.to_rdflib`: blank-node ids are kept).
* The differential test compares `{f.key for f in findings}` across engines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol

from rdflib import BNode, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

if TYPE_CHECKING:
    from service.validation.prepare import PreparedData
    from service.validation.shapes import ShapePack

Severity = Literal["violation", "warning", "info"]

SEVERITIES: tuple[Severity, ...] = ("violation", "warning", "info")
"""From most to least severe."""

_BY_IRI: dict[URIRef, Severity] = {
    SH.Violation: "violation",
    SH.Warning: "warning",
    SH.Info: "info",
}
SEVERITY_IRI: dict[Severity, URIRef] = {name: URIRef(iri) for iri, name in _BY_IRI.items()}


def severity_name(iri: Node | None) -> Severity:
    """sh:Violation → "violation" etc. SHACL allows other severity IRIs; they count as
    violations, because the spec makes any result break conformance."""
    return _BY_IRI.get(iri, "violation") if isinstance(iri, URIRef) else "violation"


@dataclass(frozen=True)
class Finding:
    """One validation result, engine-independent."""

    rule: str
    severity: Severity
    focus: Node
    value: Node | None
    path: URIRef | None
    message: str
    shape: Node
    component: URIRef | None

    @property
    def key(self) -> tuple[str, Severity, Node, Node | None]:
        """What two engines must agree on: (rule, severity, focus, value)."""
        return (self.rule, self.severity, self.focus, self.value)

    @property
    def lasting(self) -> Finding:
        """The finding with a blank shape left out: what another process finds the same
        (each parse of the shapes names their blank nodes anew), so kept findings can be
        matched with this process's."""
        return replace(self, shape=BNode("shape")) if isinstance(self.shape, BNode) else self


class Engine(Protocol):
    """A validation engine: all findings of `shapes` on `data`, without mutating either."""

    def __call__(self, data: PreparedData, shapes: ShapePack) -> list[Finding]: ...
