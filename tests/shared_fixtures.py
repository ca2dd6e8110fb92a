"""Where the shared real-world fixtures are: `TRISKEL_FIXTURES_DIR`, by default the
`fixtures` folder beside the W3C suites (`../shared/fixtures` as CI lays it out, or next to
wherever `TRISKEL_W3C_DIR` points), so the one setting the tests use for shared data finds
both. A fixture that is not there fails the test: a skip would hide a broken install.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.w3c import W3C_DIR

FIXTURES_DIR = Path(os.environ.get("TRISKEL_FIXTURES_DIR", W3C_DIR.parent / "fixtures"))


def fixture(relative: str) -> Path:
    """The shared fixture at `relative`, or fail the test naming where it was looked for."""
    path = FIXTURES_DIR / relative
    if not path.is_file():
        pytest.fail(f"shared fixture not found at {path} (set TRISKEL_FIXTURES_DIR)", pytrace=False)
    return path
