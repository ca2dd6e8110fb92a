"""Find the product's data files (ontology/, shapes/, queries/, data/) from a checkout or a wheel.

In a checkout (the editable install `make` does) they sit one level above the `service`
package; a wheel installs them under `<prefix>/share/triskel` (pyproject's data-files).
"""

from __future__ import annotations

import sys
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
ONTOLOGY_FILES = (ONTOLOGY_FILE, CONCEPTS_FILE, MAPPINGS_FILE)

ONTOLOGY_IRI = "https://w3id.org/social-business"
ONTOLOGY_VERSION = "1.0.0"
ONTOLOGY_VERSION_IRI = f"{ONTOLOGY_IRI}/{ONTOLOGY_VERSION}"

REPORT_VOCABULARY_FILE = ONTOLOGY_DIR / "report.ttl"
REPORT_VOCABULARY_IRI = f"{ONTOLOGY_IRI}/report"
"""The `sbr:` terms of validation reports: checked like the ontology, not published with it."""
