"""`make bench`: run every `benchmarks/bench_*.py` module's `main()` in one process, in order.

Each benchmark prints its own table (medians, ratios measured side by side in the same run).
`python -m benchmarks.run NAME...` runs only the named ones (e.g. `validation`).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _names(selected: list[str]) -> list[str]:
    found = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    return [n for n in found if not selected or n in selected]


def main(argv: list[str]) -> int:
    """Run the selected benchmarks; a benchmark signals failure by returning non-zero."""
    status = 0
    for name in _names(argv):
        print(f"== {name} ==", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        status |= int(module.main() or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
