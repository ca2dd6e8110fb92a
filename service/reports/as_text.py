"""The readable view of a report: a summary line, a table of results, and the groupings."""

from __future__ import annotations

from collections.abc import Sequence

from service.reports.model import Report, Score
from service.reports.terms import short


def to_text(report: Report) -> str:
    """The report as plain text for a terminal."""
    parts = [_summary(report)]
    if report.results:
        parts.append(_results(report))
        parts.append(_layer_pairs(report))
    if report.practices:
        parts.append(_scores("Alignment by practice", report.practices))
    if report.organisations:
        parts.append(_scores("Alignment by organisation", report.organisations))
    return "\n\n".join(parts) + "\n"


def _summary(report: Report) -> str:
    counts = report.counts
    verdict = "conforms" if report.conforms else "does not conform"
    return (
        f"Validation {verdict}: {counts['violation']} violation(s), "
        f"{counts['warning']} warning(s), {counts['info']} info"
    )


def _results(report: Report) -> str:
    rows = [
        [
            r.rule,
            r.severity,
            short(r.finding.focus),
            short(r.finding.value),
            ", ".join(short(p) for p in r.about.practices),
            r.finding.message,
        ]
        for r in report.results
    ]
    return _table(["rule", "severity", "focus", "value", "practice", "message"], rows)


def _layer_pairs(report: Report) -> str:
    rows = [
        [key, str(c["violation"]), str(c["warning"]), str(c["info"])]
        for key, c in report.by_layer_pair().items()
    ]
    return "By layer pair\n" + _table(["layers", "violation", "warning", "info"], rows)


def _scores(title: str, scores: Sequence[Score]) -> str:
    rows = [
        [
            s.label or short(s.subject),
            str(s.conversations),
            str(s.aligned),
            "-" if s.score is None else f"{s.score:.0%}",
        ]
        for s in scores
    ]
    return f"{title}\n" + _table(["name", "conversations", "aligned", "score"], rows)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
