"""HermiT over an RDF graph: is it consistent, and which classes can have no member?

Each call builds a fresh owlready2 `World`, so nothing leaks between calls or threads and a
broken input never poisons the next check. The graph is handed over as N-Triples without its
`owl:imports`, so the reasoner never fetches anything: the check is offline by construction.
HermiT runs in Java (`owlready2.JAVA_EXE`); without Java we raise ReasonerUnavailableError
instead of pretending the ontology is fine. Literals of datatypes outside the OWL 2 datatype
map (`xsd:date` is common in business data) are ignored by HermiT rather than aborting the
whole check.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from io import BytesIO

import owlready2
from rdflib import Graph
from rdflib.namespace import OWL

from service.errors import ReasonerUnavailableError
from service.ontology import select
from service.resources import ONTOLOGY_DIR, ONTOLOGY_IRI

DIAGNOSIS_QUERY = ONTOLOGY_DIR / "diagnostics" / "disjoint-members.rq"


@dataclass(frozen=True)
class DisjointMember:
    """An individual that falls into two disjoint classes: a likely cause of inconsistency."""

    individual: str
    classes: tuple[str, str]


@dataclass(frozen=True)
class ReasonerReport:
    """What HermiT concluded. `ok` is true when the graph is consistent and every class can
    have members; `suspects` names individuals of disjoint classes when it is inconsistent."""

    consistent: bool
    unsatisfiable: tuple[str, ...] = ()
    suspects: tuple[DisjointMember, ...] = ()

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable

    def problems(self) -> list[str]:
        """One readable line per problem; individuals of disjoint classes when inconsistent."""
        lines: list[str] = []
        if not self.consistent:
            lines.append("inconsistent: HermiT finds no model of these files")
            lines.extend(
                f"  {s.individual} is both {s.classes[0]} and {s.classes[1]}, which are disjoint"
                for s in self.suspects
            )
        lines.extend(f"unsatisfiable class: {iri}" for iri in self.unsatisfiable)
        return lines


def classify(graph: Graph) -> ReasonerReport:
    """Run HermiT on `graph` (ontology, optionally with data) in a fresh owlready2 World.

    Raises ReasonerUnavailableError when Java is missing or HermiT fails for another reason
    than inconsistency. An empty graph is consistent: `classify(Graph()).ok` is True.
    """
    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasonerUnavailableError(
            f"HermiT needs a Java runtime; '{owlready2.JAVA_EXE}' was not found on PATH"
        )
    world = owlready2.World()
    try:
        ontology = world.get_ontology(ONTOLOGY_IRI)
        ontology.load(fileobj=BytesIO(_ntriples_without_imports(graph)), format="ntriples")
        try:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(consistent=False, suspects=disjoint_members(graph))
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerUnavailableError(f"HermiT failed: {exc}".strip()) from None
        unsatisfiable = sorted(
            cls.iri for cls in world.inconsistent_classes() if cls is not owlready2.Nothing
        )
        return ReasonerReport(consistent=True, unsatisfiable=tuple(unsatisfiable))
    finally:
        world.close()


def disjoint_members(graph: Graph) -> tuple[DisjointMember, ...]:
    """Individuals typed (directly, by subclass, domain or range) with two disjoint classes."""
    rows = select(graph, DIAGNOSIS_QUERY.read_text(encoding="utf-8"))
    return tuple(DisjointMember(row["individual"], (row["classA"], row["classB"])) for row in rows)


def _ntriples_without_imports(graph: Graph) -> bytes:
    """The graph as N-Triples minus `owl:imports`, which owlready2 would try to download."""
    offline = Graph()
    for triple in graph.triples((None, None, None)):
        if triple[1] != OWL.imports:
            offline.add(triple)
    return offline.serialize(format="nt", encoding="utf-8")
