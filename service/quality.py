"""Offline ontology-quality checks: the OOPS! pitfalls that a SPARQL query can find.

Each pitfall is one file `ontology/pitfalls/Pnn.rq`, named by its code in the OOPS! catalogue,
with a comment header (`# title:`, `# importance:`, `# description:`) and a SELECT whose rows
are the offending terms with a readable `?message`. Adding a check means adding a file; this
module only finds, runs and reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from service.ontology import select
from service.resources import ONTOLOGY_DIR

PITFALLS_DIR = ONTOLOGY_DIR / "pitfalls"

_HEADER = re.compile(r"^#\s*(title|importance|description):\s*(.*)$")


@dataclass(frozen=True)
class Pitfall:
    """One pitfall check: its OOPS! code, title, importance, description and query text."""

    code: str
    title: str
    importance: str
    description: str
    query: str

    @classmethod
    def from_file(cls, path: Path) -> Pitfall:
        """Read `Pnn.rq`; the header comment gives title, importance and description."""
        text = path.read_text(encoding="utf-8")
        fields = _header_fields(text)
        return cls(
            code=path.stem,
            title=fields.get("title", path.stem),
            importance=fields.get("importance", "minor"),
            description=fields.get("description", ""),
            query=text,
        )


@dataclass(frozen=True)
class Finding:
    """One term caught by one pitfall, with a message a person can act on."""

    code: str
    title: str
    term: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def load_pitfalls(directory: Path = PITFALLS_DIR) -> tuple[Pitfall, ...]:
    """Every `*.rq` pitfall in `directory`, sorted by code."""
    return tuple(Pitfall.from_file(path) for path in sorted(directory.glob("*.rq")))


def run_pitfall(graph: Graph, pitfall: Pitfall) -> list[Finding]:
    """The findings of one pitfall check over `graph`."""
    return [
        Finding(pitfall.code, pitfall.title, row.get("term", ""), row.get("message", ""))
        for row in select(graph, pitfall.query)
    ]


def check_quality(graph: Graph, pitfalls: tuple[Pitfall, ...] | None = None) -> list[Finding]:
    """The findings of every pitfall check (all of `ontology/pitfalls/` by default)."""
    chosen = load_pitfalls() if pitfalls is None else pitfalls
    return [finding for pitfall in chosen for finding in run_pitfall(graph, pitfall)]


def _header_fields(text: str) -> dict[str, str]:
    """The `# key: value` fields of the leading comment; indented `#   ...` lines continue
    the previous field."""
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            key = match.group(1)
            fields[key] = match.group(2).strip()
        elif key:
            fields[key] = f"{fields[key]} {line.lstrip('#').strip()}".strip()
    return fields
