"""The fake-quote skill: a funny, clearly made-up quote about one of today's light headlines."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from assistant import (
    Contract,
    FeedSetting,
    Headline,
    Message,
    Predicate,
    Reply,
    Skill,
    SkillContext,
    Source,
    classify,
    few_shot,
    grounding_violation,
    read_json,
    words,
    write_json_atomic,
)
from skills._lib.exemplars import nearest
from skills._lib.untrusted import DATA_RULE, quote_data
from skills._lib.writing import WritingOptions, topical, write, writing_rules

MAX_WORDS = 50
NAME = re.compile(r"^[\w .'-]{2,60}$")
SYSTEM = (
    "You invent short, funny, kind quotes in the style of a famous person, about a news "
    "headline. Everyone knows the quotes are made up. One or two sentences. Write only the "
    "quote; name nobody and no number the headline does not. " + DATA_RULE
)
ASK = "A made-up quote in the style of {name}, about this headline: {headline}"
# (speaker, headline, quote): used when the exemplar bank is not asked for.
EXAMPLES = [
    ("Oscar Wilde", "New bakery opens on the high street", "I can resist everything except a "
     "warm bun on the high street."),
    ("Mark Twain", "Heavy snow closes schools for the day", "I never let school interfere with "
     "my education, and now the snow agrees with me."),
    ("Jane Austen", "Village wins best kept garden award", "It is a truth universally "
     "acknowledged that a tidy garden must be in want of admirers."),
]  # fmt: skip
# Claims that the quote is genuine: the label says made up, so the quote may not say otherwise.
CLAIMS_REAL = re.compile(r"\b(real|true|actual|genuine|really said|i said)\b", re.IGNORECASE)
FALLBACKS = [
    "I have given {topic} a great deal of thought, and I shall give it more after a nap.",
    "They asked me about {topic}. I said: ask me again after breakfast.",
    "Some people worry about {topic}. I prefer to hum a little tune.",
]
STATE = "quotes.json"
REMEMBER = 200


def label(name: str) -> str:
    """The spoken label that always comes first."""
    return f"A made-up quote, in the style of {name}:"


def quote_prompt(name: str, topic: str, examples: list[tuple[str, str, str]]) -> list[Message]:
    """System rules, few-shot pairs, then the request with the headline quoted as data."""
    shots = [
        (ASK.format(name=speaker, headline=about), quote) for speaker, about, quote in examples
    ]
    return few_shot(SYSTEM, shots, ASK.format(name=name, headline=topic))


def fingerprint(quote: str) -> str:
    """A quote reduced to its words, to recognise it when it comes again."""
    return " ".join(words(quote))


class FakeQuoteSkill(Skill):
    """A funny made-up quote about a light headline, always said to be made up."""

    name = "fake-quote"
    default_schedule = "0 18 * * *"

    class Config(WritingOptions):
        """[skills.fake-quote] options."""

        # Feeds whose light headlines the quote is about; without any, one of `topics`.
        feeds: list[FeedSetting] = Field(default_factory=list)
        celebrities: list[str] = Field(
            default_factory=lambda: [
                "William Shakespeare",
                "Oscar Wilde",
                "Mark Twain",
                "Albert Einstein",
                "Marie Curie",
                "Jane Austen",
            ],
            min_length=1,
        )
        topics: list[str] = Field(
            default_factory=lambda: ["breakfast", "rainy days", "cats", "Mondays", "gardening"],
            min_length=1,
        )

        @field_validator("celebrities", "topics")
        @classmethod
        def _plain_names(cls, value: list[str]) -> list[str]:
            for item in value:
                if not NAME.match(item):
                    raise ValueError(f"{item!r}: use 2-60 letters, spaces, dots, ' or -")
            return value

    config: Config

    def run(self, ctx: SkillContext) -> Reply:
        """Pick the speaker in turn and a light headline, make up the quote, remember it."""
        state = self._state(ctx)
        name = self.config.celebrities[state["turn"] % len(self.config.celebrities)]
        story = self.pick(ctx, state["headlines"])
        topic = story.title if story else self._topic(ctx)
        quote, attempts, fell_back = self.quote(ctx, name, topic, set(state["said"]))
        state["turn"] += 1
        state["said"] = [*state["said"], fingerprint(quote)][-REMEMBER:]
        if story is not None:
            state["headlines"] = [*state["headlines"], story.title][-REMEMBER:]
        write_json_atomic(ctx.state_dir / STATE, state)
        data: dict[str, Any] = {"celebrity": name, "topic": topic, "attempts": attempts}
        data.update(fallback=fell_back, headline=story.to_json() if story else None)
        return Reply(
            text=f'{label(name)} "{quote}"',
            sources=[story.link or story.source] if story else [],
            cited=[Source.from_headline(story)] if story else [],
            tainted=story is not None,
            data=data,
        )

    def _state(self, ctx: SkillContext) -> dict[str, Any]:
        """The speaker's turn and what was said before; a fresh start when unreadable."""
        raw = read_json(ctx.state_dir / STATE, {})
        state: dict[str, Any] = {"turn": 0, "said": [], "headlines": []}
        if isinstance(raw, dict):
            if isinstance(raw.get("turn"), int):
                state["turn"] = raw["turn"]
            for key in ("said", "headlines"):
                if isinstance(raw.get(key), list):
                    state[key] = [str(item) for item in raw[key]]
        return state

    def _topic(self, ctx: SkillContext) -> str:
        """A configured topic, changing by the day."""
        return self.config.topics[ctx.clock.now().toordinal() % len(self.config.topics)]

    def pick(self, ctx: SkillContext, used: list[str]) -> Headline | None:
        """The first light headline of the feeds that no quote was about yet."""
        if not self.config.feeds:
            return None
        news = ctx.news.gather(self.config.feeds)
        fresh = (h for h in news.headlines if h.title not in used)
        return next((h for h in fresh if classify(h.title).label == "light"), None)

    def quote(
        self, ctx: SkillContext, name: str, topic: str, said: set[str]
    ) -> tuple[str, int, bool]:
        """The quote, its candidates tried, and whether it is a fixed fallback."""
        fallbacks = [f.format(topic=topic) for f in FALLBACKS]
        start = ctx.clock.now().toordinal()
        spare = fallbacks[start % 3 :] + fallbacks[: start % 3]
        fallback = next((f for f in spare if fingerprint(f) not in said), spare[0])
        if not self.config.use_llm:
            return fallback, 0, True
        found = nearest(ctx, self.name, topic, self.config.exemplars)
        examples = [(e.tags, e.input, e.output) for e in found] or EXAMPLES
        limit = MAX_WORDS - 1 - len(words(label(name)))
        outcome = write(
            ctx,
            quote_prompt(name, quote_data(topic), [(s, quote_data(h), q) for s, h, q in examples]),
            self.contract(limit, name, topic, said),
            fallback,
            key=f"{self.name}|{name}|{topic}",
            max_tokens=64,
            stop=("\n\n",),
            input=topic,
        )
        return outcome.text, outcome.attempts, outcome.fallback

    def contract(self, limit: int, name: str, topic: str, said: set[str]) -> Contract:
        """Short, harmless, about the headline, never claimed real, never said before."""
        return Contract(
            rules=[
                *writing_rules(topic, limit, self.config.extra_banned_words),
                Predicate(
                    "not-claimed-real",
                    lambda t: "claims to be real" if CLAIMS_REAL.search(t) else None,
                ),
                Predicate("grounded", lambda t: grounding_violation(t, f"{topic} {name}")),
                Predicate("new", lambda t: "said before" if fingerprint(t) in said else None),
            ],
            retries=self.config.retries,
            scores=[topical(topic)],
            enough=2,
        )
