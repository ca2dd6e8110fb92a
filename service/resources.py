"""Find the product's data files (ontology/, shapes/, queries/) from a checkout.

The package is installed in editable mode from the repository, so the data folders sit one
level above the `service` package. `TRISKEL_HOME` is not needed for that layout.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
