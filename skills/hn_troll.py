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
    Predicate,
    Reply,
    Score,
    Skill,
    SkillContext,
    dedupe,
    generate_checked,
    grounding_violation,
    seed_for,
    words,
)
from skills._lib.exemplars import nearest
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
# Names a parody commenter may drop without the story naming them: its stock in trade.
STOCK = [
    "Rust",
    "Lisp",
    "Go",
    "Vim",
    "Emacs",
    "Postgres",
    "SQLite",
    "HTML",
    "RSS",
    "CSS",
    "JavaScript",
    "Python",
    "Haskell",
    "Linux",
    "Kubernetes",
    "Docker",
    "Excel",
    "HN",
    "Show",
    "Ask",
    "SQL",
    "PHP",
    "Java",
    "Perl",
    "Git",
    "YAML",
    "JSON",
    "AI",
]
FALLBACKS = [
    "Neat, but I could build this in a weekend. In Rust. Without the bloat.",
    "I stopped reading at the title. Has anyone benchmarked it on a toaster?",
    "This is just a shell script with extra steps.",
]


def parody_prompt(title: str, examples: list[tuple[str, str]]) -> list[Message]:
    """System rules and few-shot pairs (a fixed prefix), then the quoted story title."""
    messages = [Message(role="system", content=SYSTEM)]
    for shown, answer in examples:
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
        retries: int = Field(5, ge=0, le=10)
        exemplars: int = Field(3, ge=0, le=4)
        remember_days: int = Field(14, ge=1, le=365)
        extra_banned_words: list[str] = Field(default_factory=list)

    config: Config
    stock = tuple(STOCK)

    @staticmethod
    def label(title: str) -> str:
        """The spoken label that always comes first."""
        return label(title)

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
        """The parody comment, its candidates tried, and whether it is the fixed fallback."""
        fallback = FALLBACKS[len(story.title) % len(FALLBACKS)]
        if not self.config.use_llm:
            return fallback, 0, True
        found = nearest(ctx, self.name, story.title, self.config.exemplars)
        examples = [(e.input, e.output) for e in found] or EXAMPLES
        outcome = generate_checked(
            ctx.llm,
            parody_prompt(story.title, examples),
            self.contract(story.title),
            fallback=lambda: fallback,
            options=GenerateOptions(
                max_tokens=56,
                temperature=0.9,
                stop=("\n\n", "Story:"),
                seed=seed_for(ctx.clock.now(), f"{self.name}|{story.title}"),
                fixed_prefix=1 + 2 * len(examples),
            ),
            tidy=tidy_lines,
        )
        return outcome.text, outcome.attempts, outcome.fallback

    def contract(self, title: str) -> Contract:
        """Short, harmless, about the story, naming nobody it does not (but its stock)."""
        return Contract(
            rules=[
                NotEmpty(),
                MaxWords(MAX_WORDS),
                NoRepetition(),
                not_a_copy(title),
                not_steered(),
                no_tragic_words(),
                banned_words(self.config.extra_banned_words),
                Predicate(
                    "grounded",
                    lambda t: grounding_violation(t, title, allowed=STOCK, numbers=False),
                ),
            ],
            retries=self.config.retries,
            scores=[Score("topical", lambda t: on_topic(t, title))],
            enough=2,
        )


def on_topic(comment: str, title: str) -> float:
    """A soft score: the comment takes up words of the story's title (two or more is best)."""
    content = {w for w in words(title) if len(w) > 3}
    return min(1.0, len(content & set(words(comment))) / 2)
