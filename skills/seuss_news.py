"""The seuss-news skill: headlines retold in the style of Dr. Seuss, tragedies read plainly."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import (
    Contract,
    FeedSetting,
    GenerateOptions,
    Headline,
    MaxWords,
    Message,
    NoRepetition,
    NotEmpty,
    Reply,
    Skill,
    SkillContext,
    dedupe,
    generate_checked,
    stale_note,
)
from skills._lib.untrusted import DATA_RULE, not_a_copy, not_steered, quote_data, tidy_lines
from skills._lib.wordfilter import banned_words, is_tragic, no_tragic_words

UNAVAILABLE = "The news is unavailable right now."
NOTHING_NEW = "There are no new headlines since last time."
SYSTEM = (
    "You retell one news headline in the playful, rhyming style of Dr. Seuss: "
    "one or two short lines, at most {limit} words, kind and light. " + DATA_RULE
)
EXAMPLES = [
    (
        "Library extends opening hours to midnight",
        "The books stay up, the lamps stay bright, so read and read till the middle of night!",
    ),
    (
        "Scientists discover new species of frog in rainforest",
        "A frog, a frog, a brand new frog! They found it hopping by a log!",
    ),
    (
        "Central bank keeps interest rates unchanged",
        "The rates did not go up, the rates did not go down, they sat quite still all over town.",
    ),
    (
        "City council approves new bicycle lanes",
        "Bikes in lanes and lanes for bikes, ride to work or ride for hikes!",
    ),
]


def seuss_prompt(headline: str, limit: int) -> list[Message]:
    """System rules and few-shot pairs (a fixed prefix), then the quoted headline."""
    messages = [Message(role="system", content=SYSTEM.format(limit=limit))]
    for shown, answer in EXAMPLES:
        messages.append(Message(role="user", content=f"Headline: {quote_data(shown)}"))
        messages.append(Message(role="assistant", content=answer))
    messages.append(Message(role="user", content=f"Headline: {quote_data(headline)}"))
    return messages


FIXED_PREFIX = 1 + 2 * len(EXAMPLES)
OPTIONS = GenerateOptions(
    max_tokens=48, temperature=0.8, stop=("\n\n", "Headline:"), fixed_prefix=FIXED_PREFIX
)


def plain_reading(headline: Headline) -> str:
    """The always-safe reading: the source, then the cleaned headline."""
    return f"From {headline.source}: {headline.title.rstrip('.')}."


@dataclass
class Told:
    """What the news part said, for the skill's reply or the briefing."""

    text: str
    items: list[dict[str, Any]]
    sources: list[str]
    failures: list[str]
    stale: bool


class SeussNewsSkill(Skill):
    """Headlines explained in the style of Dr. Seuss; sad news read plainly."""

    name = "seuss-news"
    default_schedule = "0 12 * * *"

    class Config(BaseModel):
        """[skills.seuss-news] options."""

        model_config = ConfigDict(extra="forbid")
        # URLs, file paths, or tables { url = "...", name = "the BBC" }.
        feeds: list[FeedSetting] = Field(default_factory=list)
        max_headlines: int = Field(3, ge=1, le=20)
        max_words: int = Field(25, ge=5, le=60)
        # Headlines about death, violence, disasters or abuse: read "plain", or "skip" them.
        tragedies: Literal["plain", "skip"] = "plain"
        use_llm: bool = True
        retries: int = Field(2, ge=0, le=10)
        # Headlines spoken within this many days are not spoken again.
        remember_days: int = Field(7, ge=1, le=365)
        extra_banned_words: list[str] = Field(default_factory=list)

    config: Config

    def run(self, ctx: SkillContext) -> Reply:
        """Fetch, pick unspoken headlines, retell each; never fails silently."""
        told = self.tell(ctx)
        return Reply(
            text=told.text,
            sources=told.sources,
            tainted=True,
            data={"items": told.items, "failures": told.failures, "stale": told.stale},
        )

    def tell(self, ctx: SkillContext, deadline: float | None = None) -> Told:
        """The news part; after `deadline` (time.monotonic) headlines are read plainly."""
        news = ctx.news.gather(self.config.feeds)
        if not news.headlines:
            return Told(UNAVAILABLE, [], [], news.failures, stale=False)
        now = ctx.clock.now()
        spoken = ctx.news.spoken(self.config.remember_days)
        stale = news.stale_since is not None
        # Old headlines are a recap, said with a warning; fresh ones are said only once.
        fresh = dedupe(news.headlines, () if stale else spoken.prints())
        items = self._items(ctx, fresh, deadline)
        lines = [item["text"] for item in items if item["mode"] != "skipped"]
        if news.stale_since is not None:
            lines.insert(0, stale_note(news.stale_since, now))
        elif not lines:
            lines.append(NOTHING_NEW)
        if not stale:
            # Items follow the fresh headlines in order, one each, skipped ones included.
            for headline in fresh[: len(items)]:
                spoken.add(headline)
            spoken.save()
        sources = sorted({i["link"] or i["source"] for i in items if i["mode"] != "skipped"})
        return Told("\n".join(lines), items, sources, news.failures, stale)

    def _items(
        self, ctx: SkillContext, headlines: list[Headline], deadline: float | None
    ) -> list[dict[str, Any]]:
        """Up to max_headlines spoken items (skipped tragedies listed too, but not counted)."""
        items: list[dict[str, Any]] = []
        said = 0
        for headline in headlines:
            if said >= self.config.max_headlines:
                break
            mode, text = self.retell(ctx, headline, deadline)
            said += mode != "skipped"
            items.append(
                {
                    "headline": headline.title,
                    "source": headline.source,
                    "link": headline.link,
                    "text": text,
                    "mode": mode,
                }
            )
        return items

    def retell(
        self, ctx: SkillContext, headline: Headline, deadline: float | None = None
    ) -> tuple[str, str]:
        """(mode, text) for one headline: `seuss`, `plain` or `skipped`."""
        if is_tragic(headline.title):
            if self.config.tragedies == "skip":
                return "skipped", ""
            return "plain", plain_reading(headline)
        late = deadline is not None and time.monotonic() >= deadline
        if not self.config.use_llm or late:
            return "plain", plain_reading(headline)
        outcome = generate_checked(
            ctx.llm,
            seuss_prompt(headline.title, self.config.max_words),
            self.contract(headline.title),
            fallback=lambda: "",
            options=OPTIONS,
            tidy=tidy_lines,
        )
        if outcome.fallback:
            return "plain", plain_reading(headline)
        return "seuss", f"From {headline.source}: {outcome.text}"

    def contract(self, headline: str) -> Contract:
        """The rules a retelling keeps before it is spoken."""
        return Contract(
            rules=[
                NotEmpty(),
                MaxWords(self.config.max_words),
                # Two-word runs at most twice: the small model tends to loop on a phrase.
                NoRepetition(span=2, max_repeats=2),
                not_a_copy(headline),
                not_steered(),
                no_tragic_words(),
                banned_words(self.config.extra_banned_words),
            ],
            retries=self.config.retries,
        )
