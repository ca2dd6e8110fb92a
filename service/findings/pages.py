"""Pages of the live findings, filtered as a governance reader asks (`GET /findings`).

Filters on the finding itself (rule, severity, focus) and on its rule's layers (a layer
pair, as a report's `by_layer_pair` names it) cost nothing; filters on what a finding is
about (a practice, a person, an organisation) read its context from the live data, once per
focus node. An organisation's findings are those about a practice it, or a unit under it,
owns — as `/alignment` counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib.term import Node

from service.findings.saved import Record
from service.findings.state import LiveFindings
from service.reports import to_dict
from service.reports.context import Context
from service.reports.model import Report, layer_keys, result_of
from service.reports.terms import term_text
from service.validation.model import SEVERITIES, Finding, Severity

MAX_LIMIT = 100_000
"""The largest page `GET /findings` serves."""
DEFAULT_LIMIT = 1000
MAX_OFFSET = 2**63 - 1
"""The largest `offset`: past it the number does not fit the JSON page's 64-bit integers."""


@dataclass(frozen=True)
class Filters:
    """What a reader narrows the findings to; None: no narrowing. IRIs are compared as
    report JSON writes terms (`term_text`)."""

    rule: str | None = None
    severity: Severity | None = None
    layer_pair: str | None = None
    practice: str | None = None
    organisation: str | None = None
    person: str | None = None
    focus: str | None = None

    def needs_context(self) -> bool:
        return any(x is not None for x in (self.practice, self.organisation, self.person))


@dataclass(frozen=True)
class Page:
    """One page of the filtered findings, as a report (no scores), with the totals."""

    report: Report
    total: int
    counts: dict[Severity, int]
    offset: int
    limit: int

    def to_dict(self) -> dict[str, Any]:
        """A report's JSON for the page, with the filtered totals as `counts` and
        `conforms`, and the page's place in them as `page`."""
        document = to_dict(self.report)
        document["counts"] = self.counts
        document["conforms"] = self.counts["violation"] == 0
        document["page"] = {"offset": self.offset, "limit": self.limit, "total": self.total}
        return document


def page(
    live: LiveFindings, filters: Filters, *, offset: int = 0, limit: int = DEFAULT_LIMIT
) -> Page:
    """The findings after the last committed write that pass `filters`, from `offset`.
    While the live engine warms up, the kept findings with their kept contexts (an
    organisation's findings need the data: that filter waits for the warm-up)."""
    if filters.organisation is not None:
        live.wait_ready()
    with live.locked():
        if not live.ready:
            return _kept_page(live, filters, offset=offset, limit=limit)
        data = live.data()
        kept = [f for f in live.findings() if _plain_match(f, filters, live)]
        if filters.needs_context():
            context = Context(data)
            owned = None if filters.organisation is None else _owned(context, filters.organisation)
            kept = [f for f in kept if _about_match(f, filters, context, owned)]
        counts = Counter(f.severity for f in kept)
        chosen = kept[offset : offset + limit]
        report = Report.build(chosen, live.pack, data, scores=False)
        return Page(report, len(kept), {s: counts[s] for s in SEVERITIES}, offset, limit)


def _kept_page(live: LiveFindings, filters: Filters, *, offset: int, limit: int) -> Page:
    """`page` from the kept records (`service.findings.saved`), before the warm-up."""
    kept = [
        record
        for f in live.findings()
        if _plain_match(f, filters, live) and _kept_match(record := live.kept_record(f), filters)
    ]
    counts = Counter(r.finding.severity for r in kept)
    chosen = kept[offset : offset + limit]
    results = [result_of(r.finding, live.pack, about=r.about, id=r.id) for r in chosen]
    report = Report.of_results(results, live.pack)
    return Page(report, len(kept), {s: counts[s] for s in SEVERITIES}, offset, limit)


def _kept_match(record: Record, filters: Filters) -> bool:
    about = record.about
    if filters.practice is not None and filters.practice not in _named(about.practices):
        return False
    return filters.person is None or filters.person in _named(about.people)


def refused_results(live: LiveFindings, findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Report JSON results for findings of the live data as it is now (a guard's refusal,
    read before the live state is rolled back)."""
    with live.locked():
        report = Report.build(list(findings), live.pack, live.data(), scores=False)
        results: list[dict[str, object]] = to_dict(report)["results"]
        return results


def _plain_match(finding: Finding, filters: Filters, live: LiveFindings) -> bool:
    if filters.rule is not None and finding.rule != filters.rule:
        return False
    if filters.severity is not None and finding.severity != filters.severity:
        return False
    if filters.focus is not None and term_text(finding.focus) != filters.focus:
        return False
    if filters.layer_pair is not None:
        info = live.pack.info(finding.rule)
        return filters.layer_pair in layer_keys(info.layers if info else ())
    return True


def _about_match(
    finding: Finding, filters: Filters, context: Context, owned: set[str | None] | None
) -> bool:
    about = context.about(finding.focus, finding.value)
    if filters.practice is not None and filters.practice not in _named(about.practices):
        return False
    if filters.person is not None and filters.person not in _named(about.people):
        return False
    return owned is None or bool(owned & _named(about.practices))


def _named(nodes: Iterable[Node]) -> set[str | None]:
    return {term_text(n) for n in nodes}


def _owned(context: Context, organisation: str) -> set[str | None]:
    for org, practices in context.owned_practices().items():
        if term_text(org) == organisation:
            return {term_text(p) for p in practices}
    return set()
