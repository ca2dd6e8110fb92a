"""Compare two reports by stable finding id: what is new, what was resolved, what is open.

Both sides are lists of JSON results (DESIGN §6, each with its `id`), so a report kept in the
store and a report read back from a JSON file (`triskel validate --against REPORT.json`)
compare the same way. The id is the finding's content id (`terms.finding_id`: rule, severity,
focus, value, path, shape, component and message), so two results of one rule on one focus
that differ in their reason (R13 failing a conversation for two reasons) are two findings. A
result from an older file without `id` gets it from its own fields, the way `Result.id` is
made (a blank node there has only its label, so such a result matches no other).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import URIRef

from service.errors import InputError
from service.reports.terms import finding_id, short
from service.validation.model import SEVERITIES, Severity

JsonResult = Mapping[str, Any]


@dataclass(frozen=True)
class Diff:
    """Findings of the current report against a previous one, each list in report order."""

    new: tuple[JsonResult, ...]
    resolved: tuple[JsonResult, ...]
    still_open: tuple[JsonResult, ...]

    @classmethod
    def between(cls, current: Iterable[JsonResult], previous: Iterable[JsonResult]) -> Diff:
        """`new`: results whose id is in `current` only; `resolved`: in `previous` only;
        `still_open`: in both."""
        now, before = list(current), list(previous)
        now_ids, before_ids = {result_id(r) for r in now}, {result_id(r) for r in before}
        return cls(
            new=tuple(r for r in now if result_id(r) not in before_ids),
            resolved=tuple(r for r in before if result_id(r) not in now_ids),
            still_open=tuple(r for r in now if result_id(r) in before_ids),
        )

    def new_at_least(self, severity: Severity) -> tuple[JsonResult, ...]:
        """The new findings at `severity` or more severe (what a guard or CI fails on)."""
        failing = SEVERITIES[: SEVERITIES.index(severity) + 1]
        return tuple(r for r in self.new if r.get("severity") in failing)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: counts and the three lists of results."""
        lists = {"new": self.new, "resolved": self.resolved, "still_open": self.still_open}
        return {
            "counts": {name: len(found) for name, found in lists.items()},
            **{name: [dict(r) for r in found] for name, found in lists.items()},
        }

    def to_text(self) -> str:
        """A readable summary and one line per new or resolved finding."""
        lines = [
            f"{len(self.new)} new, {len(self.resolved)} resolved, {len(self.still_open)} still open"
        ]
        for mark, found in (("+", self.new), ("-", self.resolved)):
            lines.extend(f"{mark} {result_line(r)}" for r in found)
        return "\n".join(lines) + "\n"


def read_results(path: Path) -> list[JsonResult]:
    """The results of a JSON report file (`triskel validate --format json`, or `/validate`'s
    JSON), checked enough that a wrong file is a clear InputError rather than a KeyError."""
    try:
        results = json.loads(path.read_text(encoding="utf-8")).get("results")
    except (ValueError, AttributeError) as exc:
        raise InputError(f"{path}: not a JSON validation report ({exc})") from None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise InputError(f"{path}: not a JSON validation report (no 'results' list)")
    return results


def result_id(result: JsonResult) -> str:
    """The stable id of a JSON result (its `id`, or computed as `Result.id` does)."""
    given = result.get("id")
    if isinstance(given, str) and given:
        return given
    fields = ("focus", "value", "path", "shape", "component")
    focus, value, path, shape, component = (_field(result, name) for name in fields)
    return finding_id(
        str(result.get("rule", "")),
        str(result.get("severity", "")),
        focus,
        value,
        path,
        shape,
        component,
        str(result.get("message") or ""),
    )


def _field(result: JsonResult, name: str) -> str | None:
    value = result.get(name)
    return value if isinstance(value, str) else None


def result_line(result: JsonResult) -> str:
    """One result on one line: rule, severity, focus and value, compactly, and its id."""
    parts = [
        str(result.get("rule", "")),
        str(result.get("severity", "")),
        _short(result.get("focus")),
        _short(result.get("value")),
    ]
    return "  ".join(p for p in parts if p) + f"  [{result_id(result)}]"


def _short(text: object) -> str:
    """The compact name of an IRI written as text; other text as it is."""
    if not isinstance(text, str):
        return ""
    return short(URIRef(text)) if ":" in text and not text.startswith("_:") else text
