"""Seeded generator of benchmark organisations with planted misalignments.

An organisation is N copies of one small, clean company (`benchmarks.company`), each under
its own IRI prefix. In each copy every defect kind of `benchmarks.defects` is planted with
probability `rate` (seeded); each yields exactly the findings it records under DESIGN §5
semantics, and the clean company yields none. The generator writes the data (N-Triples)
and the expected findings (rule, focus, value) as TSV.

    python -m benchmarks.generate --triples 10000 --seed 7   # → benchmarks/out/
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.company import BASE, Copy, Expected, company
from benchmarks.defects import DEFECTS

OUT_DIR = Path(__file__).parent / "out"


@dataclass(frozen=True)
class Organisation:
    """The generated data and the findings it must produce."""

    lines: list[str]
    expected: set[Expected]

    def ntriples(self) -> bytes:
        """The data as an N-Triples document."""
        return ("\n".join(self.lines) + "\n").encode()


def generate(copies: int, *, seed: int = 7, rate: float = 0.3) -> Organisation:
    """`copies` companies; each defect kind planted in a copy with probability `rate`."""
    rng = random.Random(seed)
    lines: list[str] = []
    expected: set[Expected] = set()
    for n in range(copies):
        c = Copy(f"{BASE}c{n}/")
        company(c)
        for defect in DEFECTS:
            if rng.random() < rate:
                defect(c)
        lines.extend(c.lines)
        expected.update(c.expected)
    return Organisation(lines, expected)


def copies_for(triples: int) -> int:
    """How many copies give about `triples` triples."""
    per_copy = len(generate(1, rate=0.0).lines)
    return max(1, round(triples / per_copy))


def write(org: Organisation, data: Path, expected: Path) -> None:
    """The data as N-Triples and the expected findings as TSV (rule, focus, value)."""
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(org.ntriples())
    rows = sorted("\t".join(row) for row in org.expected)
    expected.write_text("\n".join(rows) + "\n", encoding="utf-8")


def read_expected(path: Path) -> set[Expected]:
    """Expected findings written by `write`."""
    rows: Iterator[list[str]] = (line.split("\t") for line in path.read_text().splitlines())
    return {(r[0], r[1], r[2]) for r in rows if r and r[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000, help="approximate size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    org = generate(copies_for(args.triples), seed=args.seed, rate=args.rate)
    stem = f"org-{args.triples}"
    write(org, args.out / f"{stem}.nt", args.out / f"{stem}.expected.tsv")
    print(f"{len(org.lines)} triples, {len(org.expected)} expected findings → {args.out}/{stem}.*")


if __name__ == "__main__":
    main()
