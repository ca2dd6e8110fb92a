"""Find the product's data files (ontology/, shapes/, queries/, data/) from a checkout or a wheel.

In a checkout (the editable install `make` does) they sit one level above the `service`
package; a wheel installs them under `<prefix>/share/triskel` (pyproject's data-files).
"""

# Annotations stay real types (no `from __future__ import annotations`): the dataclass below
# must build when this file runs outside the package, as the wheel-layout test loads it.
import sys
from dataclasses import dataclass
from pathlib import Path


def _home() -> Path:
    """The checkout when the package runs from one, else the wheel's shared data folder."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "ontology" / "social-business.ttl").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "triskel"


ROOT = _home()
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
DATA_DIR = ROOT / "data"

ONTOLOGY_FILE = ONTOLOGY_DIR / "social-business.ttl"
CONCEPTS_FILE = ONTOLOGY_DIR / "concepts.ttl"
MAPPINGS_FILE = ONTOLOGY_DIR / "mappings.ttl"
ANALYTICS_FILE = ONTOLOGY_DIR / "analytics.ttl"
ONTOLOGY_FILES = (ONTOLOGY_FILE, CONCEPTS_FILE, MAPPINGS_FILE, ANALYTICS_FILE)
"""The core and the three ontologies it imports: read together wherever the union is needed
(reasoning, validation, the store's ontology graph), published as four documents."""
ONTOLOGY_CATALOG = ONTOLOGY_DIR / "catalog-v001.xml"
"""Ontology IRI and version IRI -> file, the XML catalog Protégé reads beside an ontology."""

ONTOLOGY_IRI = "https://w3id.org/social-business"
ONTOLOGY_VERSION = "1.0.0"
ONTOLOGY_VERSION_IRI = f"{ONTOLOGY_IRI}/{ONTOLOGY_VERSION}"

REPORT_VOCABULARY_FILE = ONTOLOGY_DIR / "report.ttl"
REPORT_VOCABULARY_IRI = f"{ONTOLOGY_IRI}/report"
"""The `sbr:` terms of validation reports: checked like the ontology, not imported by it."""


@dataclass(frozen=True, slots=True)
class OntologyDocument:
    """One published ontology document: its file, its `owl:Ontology` IRI and what it imports.

    Every document's IRI lies below the core's, so the path it is served at mirrors its IRI
    (`https://w3id.org/social-business/concepts` is `/ontology/concepts`) and one redirect
    rule (`social-business(.*)` to `<server>/ontology$1`) makes every IRI resolvable.
    """

    path: Path
    iri: str
    version: str = ONTOLOGY_VERSION
    imports: tuple[str, ...] = ()

    @property
    def version_iri(self) -> str:
        """The IRI of this version of the document (`<iri>/<version>`)."""
        return f"{self.iri}/{self.version}"

    @property
    def name(self) -> str:
        """The IRI below the core's (`concepts`), `""` for the core itself."""
        return self.iri.removeprefix(ONTOLOGY_IRI).lstrip("/")


CONCEPTS = OntologyDocument(CONCEPTS_FILE, f"{ONTOLOGY_IRI}/concepts")
MAPPINGS = OntologyDocument(MAPPINGS_FILE, f"{ONTOLOGY_IRI}/mappings")
ANALYTICS = OntologyDocument(ANALYTICS_FILE, f"{ONTOLOGY_IRI}/analytics")
"""The network analytics' terms (`sba:`), the values of the `urn:triskel:analytics` graph."""
CORE = OntologyDocument(
    ONTOLOGY_FILE, ONTOLOGY_IRI, imports=(CONCEPTS.iri, MAPPINGS.iri, ANALYTICS.iri)
)
REPORT_VOCABULARY = OntologyDocument(REPORT_VOCABULARY_FILE, REPORT_VOCABULARY_IRI)
DOCUMENTS = (CORE, CONCEPTS, MAPPINGS, ANALYTICS, REPORT_VOCABULARY)
"""Every published ontology document, the core first; each file holds one `owl:Ontology`."""


def imports_closure(document: OntologyDocument) -> tuple[OntologyDocument, ...]:
    """The document and every document it imports, directly or not, each once, itself first.

    >>> [doc.name for doc in imports_closure(CORE)]
    ['', 'concepts', 'mappings', 'analytics']
    """
    by_iri = {doc.iri: doc for doc in DOCUMENTS}
    closure: list[OntologyDocument] = []
    pending = [document]
    while pending:
        current = pending.pop(0)
        if current not in closure:
            closure.append(current)
            pending.extend(by_iri[iri] for iri in current.imports)
    return tuple(closure)
