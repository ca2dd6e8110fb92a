"""The report model of DESIGN §6, built from an engine's findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.validation.model import SEVERITIES, Finding, Severity

if TYPE_CHECKING:
    from service.validation.prepare import PreparedData
    from service.validation.shapes import ShapePack


@dataclass(frozen=True)
class Report:
    """Findings plus what a reader needs to act on them."""

    findings: tuple[Finding, ...]
    fail_on: Severity

    @classmethod
    def build(
        cls,
        findings: list[Finding],
        pack: ShapePack,
        data: PreparedData,
        *,
        fail_on: Severity = "violation",
    ) -> Report:
        return cls(tuple(findings), fail_on)

    @property
    def counts(self) -> dict[Severity, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    @property
    def conforms(self) -> bool:
        """False when a finding is at least as severe as `fail_on`."""
        failing = SEVERITIES[: SEVERITIES.index(self.fail_on) + 1]
        return not any(f.severity in failing for f in self.findings)
