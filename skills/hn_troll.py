"""The hn-troll skill: a harmless parody Hacker News comment on a front-page story."""

from __future__ import annotations

from pydantic import Field

from assistant import (
    Contract,
    Headline,
    Message,
    Predicate,
    Reply,
    Skill,
    SkillContext,
    Source,
    dedupe,
    few_shot,
    grounding_violation,
)
from skills._lib.exemplars import nearest
from skills._lib.untrusted import DATA_RULE, quote_data
from skills._lib.wordfilter import is_tragic
from skills._lib.writing import WritingOptions, topical, write, writing_rules

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
    shots = [(f"Story: {quote_data(shown)}", answer) for shown, answer in examples]
    return few_shot(SYSTEM, shots, f"Story: {quote_data(title)}")


def label(title: str) -> str:
    """The spoken label that always comes first."""
    return f'A parody Hacker News comment, not a real one, on "{title}":'


class HnTrollSkill(Skill):
    """A parody Hacker News comment on a front-page story, labelled as parody."""

    name = "hn-troll"
    default_schedule = "0 17 * * 1-5"

    class Config(WritingOptions):
        """[skills.hn-troll] options."""

        # A URL or a path of an RSS/Atom feed of front-page stories.
        feed: str = Field("https://news.ycombinator.com/rss", min_length=1)
        remember_days: int = Field(14, ge=1, le=365)

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
            cited=[Source.from_headline(story)],
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
        outcome = write(
            ctx,
            parody_prompt(story.title, examples),
            self.contract(story.title),
            fallback,
            key=f"{self.name}|{story.title}",
            max_tokens=56,
            stop=("\n\n", "Story:"),
            input=story.title,
        )
        return outcome.text, outcome.attempts, outcome.fallback

    def contract(self, title: str) -> Contract:
        """Short, harmless, about the story, naming nobody it does not (but its stock)."""
        return Contract(
            rules=[
                *writing_rules(title, MAX_WORDS, self.config.extra_banned_words),
                Predicate(
                    "grounded",
                    lambda t: grounding_violation(t, title, allowed=STOCK, numbers=False),
                ),
            ],
            retries=self.config.retries,
            scores=[topical(title)],
            enough=2,
        )
