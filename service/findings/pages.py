"""Pages of the live findings, filtered as a governance reader asks (`GET /findings`).

Filters on the finding itself (rule, severity, focus) and on its rule's layers (a layer
pair, as a report's `by_layer_pair` names it) cost nothing; filters on what a finding is
about (a practice, a person, an organisation) read its context from the live data, once per
focus node. An organisation's findings are those about a practice it, or a unit under it,
owns — as `/alignment` counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from rdflib.term import Node

from service.errors import InputError
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
SORT_FIELDS = ("rule", "severity", "focus", "value", "path", "message", "shape", "component")
"""The fields of a finding `sort` orders by, as the report JSON names them."""
T = TypeVar("T")
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
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
    text: str | None = None
    """A case-insensitive substring of the focus, value, message or rule (`q`)."""

    def needs_context(self) -> bool:
        return any(x is not None for x in (self.practice, self.organisation, self.person))


@dataclass(frozen=True)
class Order:
    """The order of the findings before paging: a field of `SORT_FIELDS`, `-field` for
    descending; ties keep the findings' own order (the sort is stable)."""

    field: str
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> Order:
        """`rule` or `-rule`; any other field is the caller's mistake."""
        field = text.removeprefix("-")
        if field not in SORT_FIELDS:
            raise InputError(f"cannot sort by {field!r}: sort by one of {', '.join(SORT_FIELDS)}")
        return cls(field, text.startswith("-"))

    def key(self, finding: Finding) -> tuple[int, str]:
        """Severities by weight (violation first), other fields by their text."""
        if self.field == "severity":
            return (_RANK[finding.severity], "")
        return (0, term_text(getattr(finding, self.field)) or "")

    def apply(self, items: list[T], finding: Callable[[T], Finding]) -> list[T]:
        """`items` sorted by the finding each holds."""
        return sorted(items, key=lambda item: self.key(finding(item)), reverse=self.descending)


@dataclass(frozen=True)
class Page:
    """One page of the filtered findings, as a report (no scores), with the totals."""

    report: Report
    total: int
    counts: dict[Severity, int]
    offset: int
    limit: int
    last_write: str | None

    def to_dict(self) -> dict[str, Any]:
        """A report's JSON for the page, with the filtered totals as `counts` and
        `conforms`, the page's place in them as `page`, and the time of the write the
        findings describe as `last_write` (`LiveFindings.last_write`)."""
        document = to_dict(self.report)
        document["counts"] = self.counts
        document["conforms"] = self.counts["violation"] == 0
        document["page"] = {"offset": self.offset, "limit": self.limit, "total": self.total}
        document["last_write"] = self.last_write
        return document


def page(
    live: LiveFindings,
    filters: Filters,
    *,
    offset: int = 0,
    limit: int = DEFAULT_LIMIT,
    order: Order | None = None,
) -> Page:
    """The findings after the last committed write that pass `filters`, in `order`, from
    `offset` (sorted before paging, so every page is a slice of one order).
    While the live engine warms up, the kept findings with their kept contexts (an
    organisation's findings need the data: that filter waits for the warm-up)."""
    if filters.organisation is not None:
        live.wait_ready()
    with live.locked():
        if not live.ready:
            return _kept_page(live, filters, offset=offset, limit=limit, order=order)
        data = live.data()
        kept = [f for f in live.findings() if _plain_match(f, filters, live)]
        if filters.needs_context():
            context = Context(data)
            owned = None if filters.organisation is None else _owned(context, filters.organisation)
            kept = [f for f in kept if _about_match(f, filters, context, owned)]
        if order is not None:
            kept = order.apply(kept, lambda f: f)
        counts = Counter(f.severity for f in kept)
        chosen = kept[offset : offset + limit]
        report = Report.build(chosen, live.pack, data, scores=False)
        return Page(
            report, len(kept), {s: counts[s] for s in SEVERITIES}, offset, limit, live.last_write
        )


def _kept_page(
    live: LiveFindings, filters: Filters, *, offset: int, limit: int, order: Order | None
) -> Page:
    """`page` from the kept records (`service.findings.saved`), before the warm-up."""
    kept = [
        record
        for f in live.findings()
        if _plain_match(f, filters, live) and _kept_match(record := live.kept_record(f), filters)
    ]
    if order is not None:
        kept = order.apply(kept, lambda r: r.finding)
    counts = Counter(r.finding.severity for r in kept)
    chosen = kept[offset : offset + limit]
    results = [result_of(r.finding, live.pack, about=r.about, id=r.id) for r in chosen]
    report = Report.of_results(results, live.pack)
    return Page(
        report, len(kept), {s: counts[s] for s in SEVERITIES}, offset, limit, live.last_write
    )


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


def _text_match(finding: Finding, text: str) -> bool:
    wanted = text.casefold()
    fields = (term_text(finding.focus), term_text(finding.value), finding.message, finding.rule)
    return any(wanted in field.casefold() for field in fields if field)


def _plain_match(finding: Finding, filters: Filters, live: LiveFindings) -> bool:
    if filters.text and not _text_match(finding, filters.text):
        return False
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
