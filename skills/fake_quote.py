"""The fake-quote skill: a funny, clearly made-up quote in the style of a celebrity."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant import (
    Contract,
    GenerateOptions,
    MaxWords,
    Message,
    NoRepetition,
    NotEmpty,
    Predicate,
    Reply,
    Skill,
    SkillContext,
    generate_checked,
    words,
)
from skills._lib.untrusted import not_steered, tidy_lines
from skills._lib.wordfilter import banned_words, no_tragic_words

MAX_WORDS = 50
NAME = re.compile(r"^[\w .'-]{2,60}$")
SYSTEM = (
    "You invent short, funny, kind quotes in the style of a famous person. Everyone knows the "
    "quotes are made up. One or two sentences. Write only the quote."
)
ASK = "A made-up quote in the style of {name}, about {topic}."
EXAMPLES = [
    ("Yoda", "Mondays", "Love Mondays, you must not. But drink your coffee, you will."),
    (
        "William Shakespeare",
        "losing socks",
        "To match or not to match, that is the question, for one sock is ever lost to the dryer.",
    ),
    (
        "Albert Einstein",
        "breakfast",
        "Time is relative. Five more minutes in bed lasts a second; waiting for toast, an age.",
    ),
]
FIXED_PREFIX = 1 + 2 * len(EXAMPLES)
# Claims that the quote is genuine: the label says made up, so the quote may not say otherwise.
CLAIMS_REAL = re.compile(r"\b(real|true|actual|genuine|really said|i said)\b", re.IGNORECASE)
FALLBACKS = [
    "I have given {topic} a great deal of thought, and I shall give it more after a nap.",
    "They asked me about {topic}. I said: ask me again after breakfast.",
    "Some people worry about {topic}. I prefer to hum a little tune.",
]


def label(name: str) -> str:
    """The spoken label that always comes first."""
    return f"A made-up quote, in the style of {name}:"


def labelled(head: str, quote: str, data: dict[str, Any]) -> Reply:
    """The label, then the quote in quote marks."""
    return Reply(text=f'{head} "{quote}"', data=data)


def quote_prompt(name: str, topic: str) -> list[Message]:
    """System rules and few-shot pairs (a fixed prefix), then the request."""
    messages = [Message(role="system", content=SYSTEM)]
    for shown, about, answer in EXAMPLES:
        messages.append(Message(role="user", content=ASK.format(name=shown, topic=about)))
        messages.append(Message(role="assistant", content=answer))
    messages.append(Message(role="user", content=ASK.format(name=name, topic=topic)))
    return messages


class FakeQuoteSkill(Skill):
    """A funny made-up quote in the style of a celebrity, always said to be made up."""

    name = "fake-quote"
    default_schedule = "0 18 * * *"

    class Config(BaseModel):
        """[skills.fake-quote] options."""

        model_config = ConfigDict(extra="forbid")
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
        use_llm: bool = True
        retries: int = Field(2, ge=0, le=10)
        extra_banned_words: list[str] = Field(default_factory=list)

        @field_validator("celebrities", "topics")
        @classmethod
        def _plain_names(cls, value: list[str]) -> list[str]:
            for item in value:
                if not NAME.match(item):
                    raise ValueError(f"{item!r}: use 2-60 letters, spaces, dots, ' or -")
            return value

    config: Config

    def pick(self, moment: datetime) -> tuple[str, str]:
        """The celebrity and topic of the day: varied, but the same all day long."""
        day = moment.toordinal()
        celebs, topics = self.config.celebrities, self.config.topics
        return celebs[day % len(celebs)], topics[(day // len(celebs)) % len(topics)]

    def run(self, ctx: SkillContext) -> Reply:
        """Make up the quote; a rejected one is replaced by a fixed harmless quote."""
        name, topic = self.pick(ctx.clock.now())
        head = label(name)
        fallback = FALLBACKS[ctx.clock.now().toordinal() % len(FALLBACKS)].format(topic=topic)
        if not self.config.use_llm:
            data = {"celebrity": name, "topic": topic, "attempts": 0, "fallback": True}
            return labelled(head, fallback, data)
        outcome = generate_checked(
            ctx.llm,
            quote_prompt(name, topic),
            self.contract(MAX_WORDS - 1 - len(words(head))),
            fallback=lambda: fallback,
            options=GenerateOptions(
                max_tokens=64, temperature=0.9, stop=("\n\n",), fixed_prefix=FIXED_PREFIX
            ),
            tidy=tidy_lines,
        )
        data = {"attempts": outcome.attempts, "fallback": outcome.fallback}
        return labelled(head, outcome.text, {"celebrity": name, "topic": topic, **data})

    def contract(self, limit: int) -> Contract:
        """Short, harmless, never claimed to be real."""
        return Contract(
            rules=[
                NotEmpty(),
                MaxWords(limit),
                NoRepetition(),
                not_steered(),
                no_tragic_words(),
                banned_words(self.config.extra_banned_words),
                Predicate(
                    "not-claimed-real",
                    lambda t: "claims to be real" if CLAIMS_REAL.search(t) else None,
                ),
            ],
            retries=self.config.retries,
        )
