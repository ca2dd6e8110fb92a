"""Where the W3C conformance suites are: one setting for every test that uses them.

`TRISKEL_W3C_DIR` names the folder (default `../shared/w3c` beside the checkout, as CI lays
it out). A suite that is not there fails the run at collection (`required`): a missing suite
is an install problem, and a skip would hide it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.resources import ROOT

W3C_DIR = Path(os.environ.get("TRISKEL_W3C_DIR", ROOT.parent / "shared" / "w3c"))


def required(path: Path, suite: str) -> Path:
    """`path` (a manifest of `suite`), or fail the collection of the module that needs it."""
    if not path.is_file():
        pytest.fail(f"W3C {suite} suite not found at {path} (set TRISKEL_W3C_DIR)", pytrace=False)
    return path
