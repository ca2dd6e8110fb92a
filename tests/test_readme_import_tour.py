"""The README's import tour runs as printed: an mbox and an HR register in, the validated
report and the intended-vs-observed queries out.

The block runs with bash from the checkout. `PYTHONPATH` is the checkout, so the tour's
`.venv/bin/triskel` runs this checkout's code whichever checkout the venv was installed from.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from service.resources import ROOT
from tests.repo import readme_sh_block


@pytest.mark.slow
def test_the_import_tour_runs_as_printed() -> None:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", readme_sh_block("### An import tour")],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    counts = re.findall(r'"(\w+)": (\d+)', out)
    assert counts == [
        ("people", "4"), ("conversations", "2"), ("arcs", "6"),  # mail: Ann, Bob, Cy, Dee
        ("people", "3"), ("organisations", "3"),  # the register: 3 people, Acme, Sales, IT
        ("people", "2"), ("practices", "1"),  # the model: Ann, Bob; Order to cash
    ]  # fmt: skip
    assert "exit 1\nValidation does not conform: 3 violation(s), 1 warning(s), 1 info" in out
    assert re.search(r"R13 +violation +urn:triskel:conversation:mbox:q3-order%40acme\.example", out)
    assert re.search(r"R14 +violation +urn:triskel:practice:archimate:order-to-cash", out)
    pairs = re.findall(r'^<[^>]+>\t<[^>]+>\t"([^"]+)"\t"([^"]+)"\t"1"', out, re.MULTILINE)
    assert sorted(pairs) == [
        ("Ann Lee", "Cy Moss"), ("Ann Lee", "Dee Park"), ("Cy Moss", "Ann Lee"),
        ("Dee Park", "Ann Lee"),
    ]  # fmt: skip
    assert '<urn:triskel:practice:archimate:order-to-cash>\t"Order to cash"' in out
