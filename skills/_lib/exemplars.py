"""The built-in skills' few-shot examples: the nearest ones from the skill's exemplar bank."""

from __future__ import annotations

import functools

from assistant import Exemplar, ExemplarBanks, SkillContext


@functools.cache
def _shared() -> ExemplarBanks:
    """One process-wide set of banks (BM25) for contexts that bring none of their own."""
    return ExemplarBanks()


def nearest(ctx: SkillContext, skill: str, query: str, k: int) -> list[Exemplar]:
    """The `k` exemplars of `skill`'s bank nearest to `query` (none when k is 0)."""
    if k <= 0:
        return []
    banks = getattr(ctx, "exemplars", None)
    if not isinstance(banks, ExemplarBanks):
        banks = _shared()
    return banks.nearest(skill, query, k)
