"""The numbers a governance dashboard shows, per practice and per organisation.

Built from a `Report` only, with its own groupings and scores: conversations and the
alignment score come from `Report.practices` / `Report.organisations`, findings are counted
by severity and by layer pair (`layer_keys`, as `Report.by_layer_pair` counts them) over the
results that concern the practice, or any practice the organisation (or a unit under it) owns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rdflib.term import Node

from service.reports.model import Report, Result, Score, layer_keys
from service.reports.terms import term_text
from service.validation.model import SEVERITIES


def summary(report: Report) -> dict[str, Any]:
    """Per practice and per organisation: conversations, aligned, score, findings."""
    by_practice: dict[Node, list[Result]] = {}
    for result in report.results:
        for practice in result.about.practices:
            by_practice.setdefault(practice, []).append(result)
    practices = {
        term_text(s.subject): _line(s, by_practice.get(s.subject, [])) for s in report.practices
    }
    organisations = {
        term_text(s.subject): _line(s, _concerning(s.practices, by_practice))
        for s in report.organisations
    }
    return {"counts": report.counts, "practices": practices, "organisations": organisations}


def _concerning(practices: Iterable[Node], by_practice: dict[Node, list[Result]]) -> list[Result]:
    """The results about any of `practices`, each once (a result may name several)."""
    seen: dict[int, Result] = {}
    for practice in practices:
        for result in by_practice.get(practice, []):
            seen.setdefault(id(result), result)
    return list(seen.values())


def _line(score: Score, results: list[Result]) -> dict[str, Any]:
    severities = Counter(r.severity for r in results)
    pairs: dict[str, Counter[str]] = {}
    for result in results:
        for key in layer_keys(result.layers):
            pairs.setdefault(key, Counter())[result.severity] += 1
    line: dict[str, Any] = {
        "label": score.label,
        "conversations": score.conversations,
        "aligned": score.aligned,
        "score": score.score,
        "findings": {s: severities[s] for s in SEVERITIES},
        "by_layer_pair": {k: {s: pairs[k][s] for s in SEVERITIES} for k in sorted(pairs)},
    }
    if score.practices:
        line["practices"] = [term_text(p) for p in score.practices]
    return line
