"""The briefing skill: the time, the headlines and a made-up quote, within a time budget."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import AssistantError, FeedSetting, Reply, Skill, SkillContext
from skills._lib.timecheck import time_forms
from skills.clock import UNSURE, ClockSkill
from skills.fake_quote import FakeQuoteSkill
from skills.seuss_news import UNAVAILABLE, Said, SeussNewsSkill, Told

# "auto": good morning, afternoon or evening, as the hour says.
GREETING = "auto"
# Time kept back for the quote: the news stops using the model this long before the budget ends.
QUOTE_RESERVE_S = 10.0


class BriefingSkill(Skill):
    """The daily briefing: clock, headlines, then a made-up quote."""

    name = "briefing"
    default_schedule = "30 7 * * *"
    precompute = True

    class Config(BaseModel):
        """[skills.briefing] options."""

        model_config = ConfigDict(extra="forbid")
        greeting: str = Field(GREETING, max_length=200)
        clock: bool = True
        hour_format: Literal["24h", "12h"] = "24h"
        feeds: list[FeedSetting] = Field(default_factory=list)
        max_headlines: int = Field(3, ge=0, le=20)
        # false: read the headlines plainly, without the model.
        seuss: bool = True
        tragedies: Literal["plain", "skip"] = "plain"
        quote: bool = True
        celebrities: list[str] = Field(default_factory=lambda: FakeQuoteSkill.Config().celebrities)
        # After this many seconds every remaining part is said without the model.
        time_budget_s: float = Field(90.0, gt=0, le=3600)

    config: Config

    def run(self, ctx: SkillContext) -> Reply:
        """Say each part in turn; a failing part is replaced by a plain sentence, never dropped.
        Each part (each headline too) goes to `ctx.draft` as soon as it is made."""
        deadline = time.monotonic() + self.config.time_budget_s
        parts: list[str] = []

        def add(part: str) -> None:
            parts.append(part)
            ctx.draft.add(part)

        greeting = greet(ctx) if self.config.greeting == GREETING else self.config.greeting
        if greeting:
            add(greeting)
        data: dict[str, Any] = {}
        if self.config.clock:
            add(self._clock(ctx, deadline))
        told = Told("", [], [], [], stale=False)
        if self.config.max_headlines:
            told = self._news(ctx, deadline - QUOTE_RESERVE_S, add)
            data.update(items=told.items, failures=told.failures, stale=told.stale)
        sources, cited = list(told.sources), list(told.cited)
        if self.config.quote:
            quote = self._quote(ctx, deadline)
            add(quote.text)
            # The quote's headline is a source too (`source` names it), once.
            sources += [link for link in quote.sources if link not in sources]
            cited += [record for record in quote.cited if record not in cited]
        return Reply(text="\n".join(parts), sources=sources, cited=cited, tainted=True, data=data)

    def _clock(self, ctx: SkillContext, deadline: float) -> str:
        """The clock's couplet; the bare time when out of time; never a time it is unsure of."""
        late = time.monotonic() >= deadline
        config = ClockSkill.Config(hour_format=self.config.hour_format, retries=2, use_llm=not late)
        try:
            return ClockSkill(config).run(ctx).text
        except AssistantError as exc:
            ctx.log.error("briefing: the clock failed: %s", exc)
        if not ctx.clock.synchronized():
            return UNSURE
        h24, h12 = time_forms(ctx.clock.now())
        return f"It is {h24 if self.config.hour_format == '24h' else h12}."

    def _news(self, ctx: SkillContext, deadline: float, add: Said) -> Told:
        """The headlines, Seuss-style until the deadline, plain after it; each line to `add`
        as it is made (a failure adds the unavailable line after those already made)."""
        skill = SeussNewsSkill(
            SeussNewsSkill.Config(
                feeds=self.config.feeds,
                max_headlines=self.config.max_headlines,
                tragedies=self.config.tragedies,
                use_llm=self.config.seuss,
            )
        )
        try:
            return skill.tell(ctx, deadline=deadline, said=add)
        except (AssistantError, OSError) as exc:
            ctx.log.error("briefing: the news failed: %s", exc)
            add(UNAVAILABLE)
            return Told(UNAVAILABLE, [], [], [str(exc)], stale=False)

    def _quote(self, ctx: SkillContext, deadline: float) -> Reply:
        """The made-up quote with its sources; the fixed one when out of time."""
        late = time.monotonic() >= deadline
        skill = FakeQuoteSkill(
            FakeQuoteSkill.Config(
                feeds=self.config.feeds, celebrities=self.config.celebrities, use_llm=not late
            )
        )
        try:
            return skill.run(ctx)
        except AssistantError as exc:
            ctx.log.error("briefing: the quote failed: %s", exc)
            return Reply("")


def greet(ctx: SkillContext) -> str:
    """Good morning, afternoon or evening by the hour; a plain hello when unsure of the time."""
    if not ctx.clock.synchronized():
        return "Hello!"
    hour = ctx.clock.now().hour
    if 4 <= hour < 12:
        return "Good morning!"
    return "Good afternoon!" if 12 <= hour < 18 else "Good evening!"
