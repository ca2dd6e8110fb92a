"""Where the shared test data is: one setting, `TRISKEL_SHARED_DIR`, for every test that reads it.

The folder (default `../shared` beside the checkout, as CI lays it out) holds the W3C
conformance suites (`w3c/`) and real public sources (`fixtures/`: PM4Py's event logs, an
ArchiMate model, Viva Insights samples). The tests read them in place and never copy them in.
Something that is not there fails the run (`required` at collection, `fixture` in a test): a
missing suite or fixture is an install problem, and a skip would hide it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.resources import ROOT

SHARED_DIR = Path(os.environ.get("TRISKEL_SHARED_DIR", ROOT.parent / "shared"))
W3C_DIR = SHARED_DIR / "w3c"
FIXTURES_DIR = SHARED_DIR / "fixtures"


def required(path: Path, suite: str) -> Path:
    """`path` (a manifest of `suite`), or fail the collection of the module that needs it."""
    if not path.is_file():
        message = f"W3C {suite} suite not found at {path} (set TRISKEL_SHARED_DIR)"
        pytest.fail(message, pytrace=False)
    return path


def fixture(relative: str) -> Path:
    """The shared fixture at `relative`, or fail the test naming where it was looked for."""
    path = FIXTURES_DIR / relative
    if not path.is_file():
        pytest.fail(f"shared fixture not found at {path} (set TRISKEL_SHARED_DIR)", pytrace=False)
    return path
