"""Bin day: which bin goes out tomorrow, from the rota in the config, said cheerfully."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from assistant import (
    Contract,
    GenerateOptions,
    MaxWords,
    MustContain,
    Reply,
    Skill,
    SkillContext,
    generate_checked,
)


class BinDay(Skill):
    """Say which bin goes out tomorrow."""

    name = "bin-day"
    default_schedule = "0 19 * * 3"  # Wednesday evening, for a Thursday collection

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        # The bins in turn, one per collection week, starting on the week of `first_collection`.
        rota: list[str] = Field(default=["green recycling", "black rubbish"], min_length=1)
        first_collection: date = date(2026, 1, 1)

    def bin_for(self, day: date) -> str:
        """The bin collected on `day`'s week."""
        weeks = (day - self.config.first_collection).days // 7
        return self.config.rota[weeks % len(self.config.rota)]

    def run(self, ctx: SkillContext) -> Reply:
        """The model only words the fact; the contract makes sure the right bin is named."""
        bin_ = self.bin_for(ctx.clock.now().date() + timedelta(days=1))
        fact = f"Tomorrow is bin day: put out the {bin_} bin tonight."
        outcome = generate_checked(
            ctx.llm,
            f"Say this cheerfully in one short sentence, keeping every fact: {fact}",
            Contract(rules=[MustContain(bin_), MaxWords(25)], retries=2),
            fallback=lambda: fact,
            options=GenerateOptions(max_tokens=40, temperature=0.7),
        )
        return Reply(text=outcome.text, data={"bin": bin_, "fallback": outcome.fallback})
