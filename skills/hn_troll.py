"""The hn-troll skill: a harmless parody Hacker News comment on a front-page story."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant import (
    Contract,
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
)
from skills._lib.untrusted import DATA_RULE, not_a_copy, not_steered, quote_data, tidy_lines
from skills._lib.wordfilter import banned_words, is_tragic, no_tragic_words

MAX_WORDS = 39
UNAVAILABLE = "The Hacker News front page is unavailable right now, so no parody today."
NOTHING_NEW = "There is no new story on the Hacker News front page to parody."
SYSTEM = (
    "You write one short parody comment in the voice of a know-it-all Hacker News commenter: "
    "smug, nerdy and harmless, never rude about anyone. At most 30 words. " + DATA_RULE
)
EXAMPLES = [
    (
        "Show HN: A to-do app in 200 lines of Go",
        "Cute. I wrote this in 12 lines of Lisp in 1997. Also, to-do lists are an anti-pattern.",
    ),
    (
        "Why we moved our database back to a single server",
        "Interesting, but have you considered rewriting it in Rust? Asking for a friend.",
    ),
    (
        "The history of the spreadsheet",
        "Spreadsheets are just bad databases. I keep my groceries in a custom graph store.",
    ),
]
FIXED_PREFIX = 1 + 2 * len(EXAMPLES)
FALLBACKS = [
    "Neat, but I could build this in a weekend. In Rust. Without the bloat.",
    "I stopped reading at the title. Has anyone benchmarked it on a toaster?",
    "This is just a shell script with extra steps.",
]


def parody_prompt(title: str) -> list[Message]:
    """System rules and few-shot pairs (a fixed prefix), then the quoted story title."""
    messages = [Message(role="system", content=SYSTEM)]
    for shown, answer in EXAMPLES:
        messages.append(Message(role="user", content=f"Story: {quote_data(shown)}"))
        messages.append(Message(role="assistant", content=answer))
    messages.append(Message(role="user", content=f"Story: {quote_data(title)}"))
    return messages


def label(title: str) -> str:
    """The spoken label that always comes first."""
    return f'A parody Hacker News comment, not a real one, on "{title}":'


class HnTrollSkill(Skill):
    """A parody Hacker News comment on a front-page story, labelled as parody."""

    name = "hn-troll"
    default_schedule = "0 17 * * 1-5"

    class Config(BaseModel):
        """[skills.hn-troll] options."""

        model_config = ConfigDict(extra="forbid")
        # A URL or a path of an RSS/Atom feed of front-page stories.
        feed: str = Field("https://news.ycombinator.com/rss", min_length=1)
        use_llm: bool = True
        retries: int = Field(2, ge=0, le=10)
        remember_days: int = Field(14, ge=1, le=365)
        extra_banned_words: list[str] = Field(default_factory=list)

    config: Config

    def run(self, ctx: SkillContext) -> Reply:
        """Pick an unspoken, non-tragic story and parody the comments on it."""
        news = ctx.news.gather([self.config.feed])
        spoken = ctx.news.spoken(self.config.remember_days)
        story = self.pick(news.headlines, spoken.prints() if news.stale_since is None else [])
        if story is None:
            text = NOTHING_NEW if news.headlines else UNAVAILABLE
            return Reply(text=text, data={"failures": news.failures})
        comment, attempts, fell_back = self.comment(ctx, story)
        spoken.add(story)
        spoken.save()
        return Reply(
            text=f"{label(story.title)} {comment}",
            sources=[story.link or story.source],
            tainted=True,
            data={
                "story": story.to_json(),
                "attempts": attempts,
                "fallback": fell_back,
                "failures": news.failures,
            },
        )

    def pick(self, headlines: list[Headline], seen: list[frozenset[str]]) -> Headline | None:
        """The first story not spoken before and not about a tragedy."""
        return next((h for h in dedupe(headlines, seen) if not is_tragic(h.title)), None)

    def comment(self, ctx: SkillContext, story: Headline) -> tuple[str, int, bool]:
        """The parody comment, its attempts, and whether it is the fixed fallback."""
        fallback = FALLBACKS[len(story.title) % len(FALLBACKS)]
        if not self.config.use_llm:
            return fallback, 0, True
        outcome = generate_checked(
            ctx.llm,
            parody_prompt(story.title),
            Contract(
                rules=[
                    NotEmpty(),
                    MaxWords(MAX_WORDS),
                    NoRepetition(),
                    not_a_copy(story.title),
                    not_steered(),
                    no_tragic_words(),
                    banned_words(self.config.extra_banned_words),
                ],
                retries=self.config.retries,
            ),
            fallback=lambda: fallback,
            options=GenerateOptions(
                max_tokens=56, temperature=0.9, stop=("\n\n", "Story:"), fixed_prefix=FIXED_PREFIX
            ),
            tidy=tidy_lines,
        )
        return outcome.text, outcome.attempts, outcome.fallback
