"""Where the W3C conformance suites are: one setting for every test that uses them.

`TRISKEL_W3C_DIR` names the folder (default `../shared/w3c` beside the checkout, as CI lays
it out); tests that need a suite skip with `missing(...)` as the reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

from service.resources import ROOT

W3C_DIR = Path(os.environ.get("TRISKEL_W3C_DIR", ROOT.parent / "shared" / "w3c"))


def missing(suite: str) -> str:
    """The skip reason for an absent suite."""
    return f"W3C {suite} suite not found at {W3C_DIR} (set TRISKEL_W3C_DIR)"
