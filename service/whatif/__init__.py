"""What-if: what a change would do, found without writing it.

* `scenario` — a JSON scenario (`scenario.schema.json`) or a raw SPARQL Update, as one
  update text built from the step templates under `steps/`;
* `network`  — the social network before and after, compared;
* `run`      — the answer: findings new and resolved, what is affected, the network change.
"""

from __future__ import annotations

from service.whatif.run import as_text, what_if
from service.whatif.scenario import Scenario, read_scenario

__all__ = ["Scenario", "as_text", "read_scenario", "what_if"]
