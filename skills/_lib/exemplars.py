"""The built-in skills' few-shot examples: the nearest ones from the skill's exemplar bank."""

from __future__ import annotations

from assistant import Exemplar, SkillContext


def nearest(ctx: SkillContext, skill: str, query: str, k: int) -> list[Exemplar]:
    """The `k` exemplars of `skill`'s bank nearest to `query` (none when k is 0)."""
    return ctx.exemplars.nearest(skill, query, k) if k > 0 else []
