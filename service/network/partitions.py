"""Compare two partitions of the same people: normalised mutual information, adjusted Rand.

Both take two equally long label sequences (person i is in group `left[i]` and `right[i]`).

* **NMI** is the mutual information of the two partitions divided by the arithmetic mean of
  their entropies (natural logarithms; the `arithmetic` normalisation of scikit-learn's
  `normalized_mutual_info_score`). 1 for the same partition; 0 for independent ones; 1 when
  both put everyone in one group (nothing to tell them apart).
* **ARI** is Hubert & Arabie's (1985) adjusted Rand index: the share of agreeing pairs,
  corrected for chance. 1 for the same partition, about 0 for random ones, negative below
  chance; 1 when both partitions are trivial in the same way.

>>> round(normalised_mutual_information([0, 0, 1, 1], [5, 5, 7, 7]), 6)
1.0
>>> round(adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]), 6)
-0.5
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence


def normalised_mutual_information(left: Sequence[Hashable], right: Sequence[Hashable]) -> float:
    """NMI of two partitions (see the module docstring)."""
    total = _check(left, right)
    left_sizes, right_sizes = Counter(left), Counter(right)
    entropy_left, entropy_right = _entropy(left_sizes, total), _entropy(right_sizes, total)
    if entropy_left == 0 and entropy_right == 0:
        return 1.0
    mutual = sum(
        joint / total * math.log(joint * total / (left_sizes[a] * right_sizes[b]))
        for (a, b), joint in Counter(zip(left, right, strict=True)).items()
    )
    return max(0.0, mutual / ((entropy_left + entropy_right) / 2))


def adjusted_rand_index(left: Sequence[Hashable], right: Sequence[Hashable]) -> float:
    """ARI of two partitions (see the module docstring)."""
    total = _check(left, right)
    pairs_both = sum(_pairs(n) for n in Counter(zip(left, right, strict=True)).values())
    pairs_left = sum(_pairs(n) for n in Counter(left).values())
    pairs_right = sum(_pairs(n) for n in Counter(right).values())
    expected = pairs_left * pairs_right / _pairs(total) if total > 1 else 0.0
    best = (pairs_left + pairs_right) / 2
    if best == expected:
        return 1.0
    return (pairs_both - expected) / (best - expected)


def _check(left: Sequence[Hashable], right: Sequence[Hashable]) -> int:
    if len(left) != len(right) or not left:
        raise ValueError("two partitions of the same, non-empty set of people are compared")
    return len(left)


def _entropy(sizes: Counter[Hashable], total: int) -> float:
    return -sum(n / total * math.log(n / total) for n in sizes.values())


def _pairs(n: int) -> int:
    return n * (n - 1) // 2
