"""Reciprocal rank fusion of the two arms, with a tunable k and a weight per arm."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def rrf(
    rankings: Sequence[tuple[np.ndarray, float]], *, k: int, limit: int
) -> list[tuple[int, float]]:
    """Fuse (ranked ids, weight) lists: score = sum(weight / (k + rank)), rank from 1.

    Returns up to `limit` (id, score) pairs, best first; ties keep the first arm's order.
    """
    scores: dict[int, float] = {}
    for ids, weight in rankings:
        if weight == 0:
            continue
        for rank, item in enumerate(ids.tolist(), start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    best = sorted(scores.items(), key=lambda pair: -pair[1])
    return best[:limit]
