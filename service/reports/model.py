"""The report model of DESIGN §6, built from an engine's findings.

A `Report` holds one `Result` per finding (the finding plus what a reader needs: the rule's
label, business meaning, layers and remediation, and the conversations, practices and people
involved), the groupings by rule, by layer pair and by practice, and alignment scores: per
practice, the share of its conversations with no Violation; per organisation, the same over
the conversations of the practices it (or a unit under it) owns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import BNode
from rdflib.term import Node

from service.reports.blanks import name_in_graph, name_in_store
from service.reports.context import About, Context, Tally
from service.reports.terms import content_id
from service.validation.model import SEVERITIES, Finding, Severity

if TYPE_CHECKING:
    from service.validation.prepare import PreparedData
    from service.validation.shapes import ShapePack

LAYERS = ("practice", "organization", "technology")


@dataclass(frozen=True)
class Result:
    """One finding with the rule's metadata and its context in the data."""

    finding: Finding
    label: str
    meaning: str
    layers: tuple[str, ...]
    remediation: str
    about: About
    id: str
    """The finding's stable content id (`terms.finding_id`): the same in every view, in the
    findings ledger (`urn:triskel:finding:<id>`), in diffs and in the guard's messages."""

    @property
    def rule(self) -> str:
        return self.finding.rule

    @property
    def severity(self) -> Severity:
        return self.finding.severity


@dataclass(frozen=True)
class Score:
    """Alignment of a practice or an organisation: conversations without a Violation.

    `practices` are those an organisation's score covers (the ones it or its units own);
    empty for a practice's own score."""

    subject: Node
    label: str
    conversations: int
    aligned: int
    practices: tuple[Node, ...] = ()

    @property
    def score(self) -> float | None:
        """aligned / conversations, None when there are no conversations to judge."""
        return self.aligned / self.conversations if self.conversations else None


@dataclass(frozen=True)
class RuleSummary:
    """A rule's line in `by_rule`."""

    rule: str
    label: str
    severity: Severity
    layers: tuple[str, ...]
    shape: Node | None
    count: int


@dataclass(frozen=True)
class Report:
    """A validation report: results, groupings and scores (views live in sibling modules)."""

    results: Sequence[Result]
    """In the order of the findings; a `Spool` for a report built in parts (`assemble`)."""
    fail_on: Severity
    practices: tuple[Score, ...]
    organisations: tuple[Score, ...]
    rules: tuple[RuleSummary, ...]
    names: Mapping[Node, str] = field(default_factory=dict, compare=False, repr=False)
    """Content names of the blank nodes the results name (`service.reports.blanks`), so
    finding ids in the history survive export and reload; empty for a report read back."""

    @classmethod
    def build(
        cls,
        findings: Iterable[Finding],
        pack: ShapePack,
        data: PreparedData,
        *,
        fail_on: Severity = "violation",
        scores: bool = True,
    ) -> Report:
        """Attach metadata and context to `findings` and compute the groupings; without
        `scores`, no alignment scores (a page of findings, a guard's refusal: scores of a
        part of the findings would mislead)."""
        found = tuple(findings)
        tally = Context(data) if scores else None
        return cls.assemble([(found, data)], pack, tally, fail_on=fail_on, keep=tuple)

    @classmethod
    def assemble(
        cls,
        parts: Iterable[tuple[Sequence[Finding], PreparedData]],
        pack: ShapePack,
        tally: Tally | None,
        *,
        fail_on: Severity = "violation",
        keep: Callable[[Iterable[Result]], Sequence[Result]] = tuple,
    ) -> Report:
        """The report of findings given in parts, each with the data its context is read
        from (all of the data, or what a remote engine sent about that part's findings),
        in `keep` (a tuple, or a `Spool` that holds them compressed); the scores count over
        `tally` (None: no scores), the Violations' conversations counted part by part."""
        names: dict[Node, str] = {}
        broken = _Broken()

        def results() -> Iterator[Result]:
            for found, data in parts:
                context = Context(data)
                made = _blank_names(found, data, pack)
                names.update(made)
                for finding in found:
                    result = _result(finding, pack, context, made)
                    broken.add(result, context)
                    yield result

        kept = keep(results())
        practices: tuple[Score, ...] = ()
        organisations: tuple[Score, ...] = ()
        if tally is not None:
            practices, organisations = _scores(broken.by_practice, tally)
        summaries = _rule_summaries(kept, pack)
        return cls(kept, fail_on, practices, organisations, summaries, names)

    @classmethod
    def of_results(
        cls, results: Iterable[Result], pack: ShapePack, *, fail_on: Severity = "violation"
    ) -> Report:
        """A report (no scores) of results whose context and ids are known already (kept
        findings, `service.findings.saved`): in their order, with every rule's summary."""
        found = tuple(results)
        return cls(found, fail_on, (), (), _rule_summaries(found, pack))

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(r.finding for r in self.results)

    @property
    def counts(self) -> dict[Severity, int]:
        found = Counter(r.severity for r in self.results)
        return {s: found[s] for s in SEVERITIES}

    @property
    def conforms(self) -> bool:
        """False when a result is at least as severe as `fail_on` (DESIGN §6)."""
        failing = SEVERITIES[: SEVERITIES.index(self.fail_on) + 1]
        return not any(r.severity in failing for r in self.results)

    def by_layer_pair(self) -> dict[str, dict[Severity, int]]:
        """Counts per layer pair ("practice/technology"); a rule spanning all three layers
        counts in each of its pairs, a within-layer rule under its single layer."""
        groups: dict[str, Counter[Severity]] = {}
        for result in self.results:
            for key in layer_keys(result.layers):
                groups.setdefault(key, Counter())[result.severity] += 1
        return {k: {s: groups[k][s] for s in SEVERITIES} for k in sorted(groups, key=_pair_order)}

    def by_practice(self) -> dict[Node, dict[Severity, int]]:
        """Counts per practice the results concern."""
        groups: dict[Node, Counter[Severity]] = {}
        for result in self.results:
            for practice in result.about.practices:
                groups.setdefault(practice, Counter())[result.severity] += 1
        return {p: {s: groups[p][s] for s in SEVERITIES} for p in sorted(groups, key=str)}


class _Broken:
    """The conversations with a Violation, and per practice how many of them enact it."""

    def __init__(self) -> None:
        self.conversations: set[Node] = set()
        self.by_practice: Counter[Node] = Counter()

    def add(self, result: Result, context: Context) -> None:
        """Count the conversations of a Violation not counted yet (`context` holds what
        they enact)."""
        if result.severity != "violation":
            return
        for conversation in result.about.conversations:
            if conversation not in self.conversations:
                self.conversations.add(conversation)
                self.by_practice.update(context.enacted_by(conversation))


def _scores(broken: Counter[Node], tally: Tally) -> tuple[tuple[Score, ...], tuple[Score, ...]]:
    """Practice scores and organisation scores (see the module docstring), `broken` counting
    per practice the conversations with a Violation that enact it."""
    practices = tuple(
        Score(p, tally.label(p), conversations, conversations - broken[p])
        for p, conversations in tally.conversation_counts()
    )
    by_subject = {s.subject: s for s in practices}
    organisations = tuple(
        _organisation_score(org, owned, tally, by_subject)
        for org, owned in sorted(tally.owned_practices().items(), key=lambda kv: str(kv[0]))
    )
    return practices, organisations


def layer_keys(layers: tuple[str, ...]) -> list[str]:
    """The by_layer_pair keys of a rule's layers."""
    if len(layers) <= 1:
        return list(layers) or ["unassigned"]
    ordered = sorted(layers, key=LAYERS.index)
    return [f"{a}/{b}" for i, a in enumerate(ordered) for b in ordered[i + 1 :]]


def _pair_order(key: str) -> tuple[int, str]:
    return (key.count("/") == 0, key)


def _result(
    finding: Finding, pack: ShapePack, context: Context, names: Mapping[Node, str]
) -> Result:
    about = context.about(finding.focus, finding.value)
    return result_of(finding, pack, about=about, id=content_id(finding, names))


def result_of(finding: Finding, pack: ShapePack, *, about: About, id: str) -> Result:
    """A finding's result: its rule's label, meaning, layers and remediation from `pack`."""
    info = pack.info(finding.rule)
    return Result(
        finding=finding,
        label=info.label if info else "",
        meaning=info.comment if info else "",
        layers=info.layers if info else (),
        remediation=info.remediation if info else "",
        about=about,
        id=id,
    )


def _blank_names(
    findings: Iterable[Finding], data: PreparedData, pack: ShapePack
) -> dict[Node, str]:
    """Content names of the blank foci and values (from the data) and of the blank paths and
    shapes (from the shapes graph) among the findings."""
    names: dict[Node, str] = {}
    for f in findings:
        for term, in_data in ((f.focus, True), (f.value, True), (f.path, False), (f.shape, False)):
            if isinstance(term, BNode) and term not in names:
                names[term] = (
                    name_in_store(data.store, term) if in_data else name_in_graph(pack.graph, term)
                )
    return names


def _organisation_score(
    org: Node, owned: set[Node], tally: Tally, scores: dict[Node, Score]
) -> Score:
    held = [scores[p] for p in sorted(owned, key=str) if p in scores]
    return Score(
        org,
        tally.label(org),
        sum(s.conversations for s in held),
        sum(s.aligned for s in held),
        tuple(s.subject for s in held),
    )


def _rule_summaries(results: Sequence[Result], pack: ShapePack) -> tuple[RuleSummary, ...]:
    """Every rule of the pack (count 0 included) and any rule only the findings name."""
    counts = Counter(r.rule for r in results)
    summaries = [
        RuleSummary(rule, info.label, info.severity, info.layers, info.shape, counts[rule])
        for rule, info in pack.rules.items()
    ]
    known = set(pack.rules)
    for result in results:
        if result.rule not in known:
            known.add(result.rule)
            shape = result.finding.shape
            summaries.append(
                RuleSummary(result.rule, "", result.severity, (), shape, counts[result.rule])
            )
    return tuple(sorted(summaries, key=lambda s: s.rule))


__all__ = ["LAYERS", "Report", "Result", "RuleSummary", "Score", "layer_keys", "result_of"]
