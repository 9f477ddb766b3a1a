"""`assistant tune retrieval`: re-fit the fusion (rrf_k, arm weights) and `ask_min_relevance` on
labelled (query, passage, good/bad) pairs, refusing a fusion that loses nDCG@10 on SciFact.

The pairs' passages form a small corpus of their own: each query is run through both arms over
it, and the fusion that ranks its good passages highest (mean nDCG@10, good = 1, anything else
= 0) wins; ties keep the current values. The threshold is the one that best separates good
from bad pairs by `ask`'s relevance (0.6 x cosine + 0.4 x coverage): balanced accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assistant.retrieval.ask import SIMILARITY_WEIGHT
from assistant.retrieval.embedder import Embedder
from assistant.retrieval.evaluate import ndcg_at
from assistant.retrieval.fusion import rrf
from assistant.retrieval.hybrid import Fusion
from assistant.retrieval.pairs import RelevancePair, by_query
from assistant.retrieval.sparse import Coverage, SparseIndex
from assistant.retrieval.tuneguard import Runs

MAX_LOSS = 0.005
GRID_K = (1, 2, 3, 5, 10, 20, 30, 60, 100)
# Only the ratio of the weights ranks; weight_dense stays 1 except for BM25 alone.
GRID_W = (
    *((w, 1.0) for w in (0.0, 0.25, 0.5, 0.75, 1.0, 1.2, 1.5, 2.0, 3.0, 4.0)),
    (1.0, 0.0),
)
THRESHOLDS = tuple(round(t * 0.01, 2) for t in range(101))


@dataclass
class PairPool:
    """The pairs' passages as a corpus, each query's ranking in each arm, and each pair's
    relevance as `ask` computes it."""

    bm25: dict[str, np.ndarray]
    dense: dict[str, np.ndarray]
    good: dict[str, set[int]]
    relevance: list[tuple[float, bool]] = field(default_factory=list)

    def ndcg(self, fusion: Fusion) -> float:
        """Mean nDCG@10 over the queries that have a good passage."""
        scores = []
        for query, good in self.good.items():
            arms = [
                (self.bm25[query], fusion.weight_bm25),
                (self.dense[query], fusion.weight_dense),
            ]
            ranked = [str(i) for i, _ in rrf(arms, k=fusion.rrf_k, limit=10)]
            scores.append(ndcg_at(ranked, {str(i): 1 for i in good}))
        return float(np.mean(scores)) if scores else 0.0


def build_pool(pairs: Sequence[RelevancePair], embedder: Embedder) -> PairPool:
    """Rank every pair's passage for every query in both arms; score each pair's relevance."""
    texts = sorted({p.text for p in pairs})
    where = {t: i for i, t in enumerate(texts)}
    sparse = SparseIndex.build(texts)
    vectors = embedder.embed(texts)
    groups = by_query(pairs)
    queries = list(groups)
    query_vectors = embedder.embed(queries)
    pool = PairPool({}, {}, {})
    for query, qv in zip(queries, query_vectors, strict=True):
        pool.bm25[query] = sparse.search(query, len(texts))[0]
        cosines = vectors @ qv
        pool.dense[query] = np.argsort(-cosines, kind="stable")
        fit = Coverage(query, sparse)
        for pair in groups[query]:
            cosine = float(cosines[where[pair.text]])
            score = SIMILARITY_WEIGHT * cosine + (1 - SIMILARITY_WEIGHT) * fit.of(pair.text)
            pool.relevance.append((score, pair.good))
        good = {where[p.text] for p in groups[query] if p.good}
        if good:
            pool.good[query] = good
    return pool


def _distance(a: Fusion, b: Fusion) -> float:
    """How far two fusions are apart (log scale), to break ties towards the current one."""

    def ratio(f: Fusion) -> float:
        return math.log((f.weight_bm25 + 0.01) / (f.weight_dense + 0.01))

    return abs(ratio(a) - ratio(b)) + abs(math.log(a.rrf_k) - math.log(b.rrf_k))


def fit_fusion(pool: PairPool, current: Fusion) -> Fusion:
    """The grid's fusion with the best nDCG@10 on the pool; ties go to the one nearest `current`."""
    grid = [current] + [
        replace(current, rrf_k=k, weight_bm25=wb, weight_dense=wd)
        for k in GRID_K
        for wb, wd in GRID_W
    ]
    return min(grid, key=lambda f: (-round(pool.ndcg(f), 6), _distance(f, current)))


def balanced_accuracy(relevance: Sequence[tuple[float, bool]], threshold: float) -> float:
    """The mean of the share of good pairs at or above `threshold` and of bad ones below it."""
    good = [s >= threshold for s, g in relevance if g]
    bad = [s < threshold for s, g in relevance if not g]
    return (float(np.mean(good)) + float(np.mean(bad))) / 2


def fit_threshold(relevance: Sequence[tuple[float, bool]], current: float) -> float:
    """The threshold that best separates good from bad pairs; `current` without both kinds."""
    if len({g for _, g in relevance}) < 2:
        return current
    return min(
        (*THRESHOLDS, current),
        key=lambda t: (-round(balanced_accuracy(relevance, t), 6), abs(t - current)),
    )


def tune_fusion(
    pairs: Sequence[RelevancePair],
    embedder: Embedder,
    current: Fusion,
    threshold: float,
    runs: Runs,
) -> dict[str, Any]:
    """Fit on `pairs`; the report says what changed and whether the guard refused it."""
    pool = build_pool(pairs, embedder)
    fitted = fit_fusion(pool, current)
    new_threshold = fit_threshold(pool.relevance, threshold)
    guard_before, guard_after = runs.ndcg(current), runs.ndcg(fitted)
    refused = guard_after < guard_before - MAX_LOSS
    labelled = len({g for _, g in pool.relevance}) == 2

    def accuracy(t: float) -> float | None:
        return round(balanced_accuracy(pool.relevance, t), 4) if labelled else None

    return {
        "pairs": len(pairs),
        "queries": len(pool.good),
        "before": _settings(current, threshold),
        "after": _settings(fitted, new_threshold),
        "pairs_ndcg@10": {
            "before": round(pool.ndcg(current), 4),
            "after": round(pool.ndcg(fitted), 4),
        },
        "pairs_balanced_accuracy": {
            "before": accuracy(threshold),
            "after": accuracy(new_threshold),
        },
        "scifact_ndcg@10": {"before": guard_before, "after": guard_after},
        "refused": refused,
        "changed": _settings(fitted, new_threshold) != _settings(current, threshold),
    }


def _settings(fusion: Fusion, threshold: float) -> dict[str, Any]:
    """The tunable values, as the config names them."""
    return {
        "rrf_k": fusion.rrf_k,
        "weight_bm25": fusion.weight_bm25,
        "weight_dense": fusion.weight_dense,
        "ask_min_relevance": threshold,
    }
