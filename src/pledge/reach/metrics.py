"""Ranking metrics at a cut-off, per user; the evaluation averages them over users."""

from __future__ import annotations

import math
from collections.abc import Sequence, Set

K = 20


def recall_at(ranked: Sequence[int], targets: Set[int], k: int = K) -> float:
    """The share of the targets found in the first k recommendations."""
    if not targets:
        raise ValueError("recall needs at least one target")
    return len(set(ranked[:k]) & targets) / len(targets)


def ndcg_at(ranked: Sequence[int], targets: Set[int], k: int = K) -> float:
    """Binary-relevance nDCG: sum of 1/log2(rank + 1) over the hits in the first k, divided by
    the same sum for a perfect list (min(k, |targets|) hits at the top)."""
    if not targets:
        raise ValueError("nDCG needs at least one target")
    gain = sum(1 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], start=1) if item in targets)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(k, len(targets)) + 1))
    return gain / ideal
