"""The seuss-news skill: headlines retold in the style of Dr. Seuss, tragedies read plainly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import Field

from assistant import (
    Contract,
    FeedSetting,
    GenerateOptions,
    Headline,
    Message,
    NoRepetition,
    Outcome,
    Predicate,
    Reply,
    Score,
    Skill,
    SkillContext,
    Source,
    classify,
    dedupe,
    few_shot,
    generate_checked,
    grounding_violation,
    line_end_words,
    no_rhyme,
    rhyme_score,
    seed_for,
    stale_note,
    unknown_words,
    words,
)
from skills._lib.exemplars import nearest
from skills._lib.rhymeplan import STOP, couplet_grammar, end_pairs
from skills._lib.untrusted import DATA_RULE, quote_data
from skills._lib.writing import WritingOptions, topical, writing_rules

UNAVAILABLE = "The news is unavailable right now."
NOTHING_NEW = "There are no new headlines since last time."
# Told each line of the news part as soon as it is made (the briefing speaks it if late).
Said = Callable[[str], None]
SYSTEM = (
    "You add a playful two-line rhyme in the style of Dr. Seuss to a news headline. "
    "The first line ends with the first end word, the second line with the second. "
    "Simple, kind words; no names and no numbers. " + DATA_RULE
)
# (headline, end words, rhyme): used until the exemplar bank is there, and in the A/B.
EXAMPLES = [
    (
        "Library extends opening hours to midnight",
        ("night", "light"),
        "The books stay up till late at night,\nso read and read by lamp and light!",
    ),
    (
        "Scientists discover new species of frog",
        ("frog", "log"),
        "A brand new frog, a happy frog,\nit hops and sings upon a log!",
    ),
    (
        "Central bank keeps interest rates unchanged",
        ("still", "hill"),
        "The rates stand still, so very still,\nlike sleepy sheep upon a hill.",
    ),
    (
        "City council approves new bicycle lanes",
        ("ride", "side"),
        "New lanes for bikes, so off you ride,\nwith friends and neighbours side by side!",
    ),
]
Example = tuple[str, tuple[str, str], str]


def ask(headline: str, pair: tuple[str, str]) -> str:
    """The user turn: the quoted headline and the two end words."""
    return f"Headline: {quote_data(headline)}\nEnd words: {pair[0]} / {pair[1]}"


def seuss_prompt(headline: str, pair: tuple[str, str], examples: list[Example]) -> list[Message]:
    """System rules, few-shot pairs, then the quoted headline with its end words."""
    shots = [(ask(shown, ends), answer) for shown, ends, answer in examples]
    return few_shot(SYSTEM, shots, ask(headline, pair))


OPTIONS = GenerateOptions(max_tokens=40, temperature=0.8, stop=("\n\n", "Headline:"))


def plain_reading(headline: Headline) -> str:
    """The always-safe reading: the source, then the cleaned headline."""
    return f"From {headline.source}: {headline.title.rstrip('.')}."


def two_lines(text: str) -> str:
    """The first two non-empty lines of the output, stripped of quotes."""
    lines = [ln.strip().strip("\"“”'") for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[:2])


def spoken(text: str) -> str:
    """The two lines as one spoken sentence."""
    return " ".join(ln.strip() for ln in text.splitlines() if ln.strip())


@dataclass
class Retold:
    """One headline as said: its mode, the spoken text and the model-written rhyme alone."""

    mode: str
    text: str
    retelling: str
    label: str
    outcome: Outcome | None = None


@dataclass
class Told:
    """What the news part said, for the skill's reply or the briefing."""

    text: str
    items: list[dict[str, Any]]
    sources: list[str]
    failures: list[str]
    stale: bool
    cited: list[Source] = field(default_factory=list)


class SeussNewsSkill(Skill):
    """Each headline read as it is, then a grounded, rhyming Seuss couplet; sad news plainly."""

    name = "seuss-news"
    default_schedule = "0 12 * * *"
    precompute = True

    class Config(WritingOptions):
        """[skills.seuss-news] options."""

        # URLs, file paths, or tables { url = "...", name = "the BBC" }.
        feeds: list[FeedSetting] = Field(default_factory=list)
        max_headlines: int = Field(3, ge=1, le=20)
        # Words of the model-written rhyme (the headline itself is always read in full).
        max_words: int = Field(25, ge=5, le=60)
        # Headlines about death, violence, war, abuse or disasters: read "plain", or "skip" them.
        tragedies: Literal["plain", "skip"] = "plain"
        # Headlines about politics, money, law or health: "retell" (grounded) or read "plain".
        serious: Literal["retell", "plain"] = "retell"
        retries: int = Field(7, ge=0, le=15)
        # Few-shot examples: the same four every time ("fixed"), or the nearest ones to the
        # headline from the exemplar bank ("bank"). On the eval set fixed ones did as well
        # (33 vs 32 good of 34) for fewer tokens (105 vs 114 a good rhyme): their prompt
        # prefix is the same for every headline, so the prompt cache keeps it.
        examples: Literal["bank", "fixed"] = "fixed"
        # Headlines spoken within this many days are not spoken again.
        remember_days: int = Field(7, ge=1, le=365)

    config: Config

    def run(self, ctx: SkillContext) -> Reply:
        """Fetch, pick unspoken headlines, retell each; never fails silently."""
        told = self.tell(ctx, said=ctx.draft.add)
        return Reply(
            text=told.text,
            sources=told.sources,
            cited=told.cited,
            tainted=True,
            data={"items": told.items, "failures": told.failures, "stale": told.stale},
        )

    def tell(
        self, ctx: SkillContext, deadline: float | None = None, said: Said = lambda _line: None
    ) -> Told:
        """The news part, each of its lines handed to `said` as soon as it is made; after
        `deadline` (time.monotonic) headlines are read plainly."""
        news = ctx.news.gather(self.config.feeds)
        if not news.headlines:
            said(UNAVAILABLE)
            return Told(UNAVAILABLE, [], [], news.failures, stale=False)
        now = ctx.clock.now()
        spoken_before = ctx.news.spoken(self.config.remember_days)
        stale = news.stale_since is not None
        lines: list[str] = []

        def line(text: str) -> None:
            lines.append(text)
            said(text)

        if news.stale_since is not None:
            line(stale_note(news.stale_since, now))
        # Old headlines are a recap, said with a warning; fresh ones are said only once.
        fresh = dedupe(news.headlines, () if stale else spoken_before.prints())
        items = self._items(ctx, fresh, deadline, line)
        if not lines:
            line(NOTHING_NEW)
        if not stale:
            # Items follow the fresh headlines in order, one each, skipped ones included.
            for headline in fresh[: len(items)]:
                spoken_before.add(headline)
            spoken_before.save()
        sources = sorted({i["link"] or i["source"] for i in items if i["mode"] != "skipped"})
        read = [h for h, item in zip(fresh, items, strict=False) if item["mode"] != "skipped"]
        cited = [Source.from_headline(h) for h in read]
        return Told("\n".join(lines), items, sources, news.failures, stale, cited)

    def _items(
        self, ctx: SkillContext, headlines: list[Headline], deadline: float | None, said: Said
    ) -> list[dict[str, Any]]:
        """Up to max_headlines spoken items (skipped tragedies listed too, but not counted),
        each spoken one's text handed to `said` as soon as it is made."""
        items: list[dict[str, Any]] = []
        said_count = 0
        for headline in headlines:
            if said_count >= self.config.max_headlines:
                break
            told = self.retell(ctx, headline, deadline)
            if told.mode != "skipped":
                said_count += 1
                said(told.text)
            items.append(
                {
                    "headline": headline.title,
                    "source": headline.source,
                    "link": headline.link,
                    "text": told.text,
                    "mode": told.mode,
                    "retelling": told.retelling,
                }
            )
        return items

    def retell(
        self, ctx: SkillContext, headline: Headline, deadline: float | None = None
    ) -> Retold:
        """One headline: `seuss` (headline, then a rhyme), `plain` or `skipped`."""
        verdict = classify(headline.title)
        if verdict.label == "tragic":
            ctx.log.info(
                "seuss-news: read plainly, tragic (%s): %r", verdict.reason, headline.title
            )
            if self.config.tragedies == "skip":
                return Retold("skipped", "", "", verdict.label)
            return Retold("plain", plain_reading(headline), "", verdict.label)
        late = deadline is not None and time.monotonic() >= deadline
        plain_serious = verdict.label == "serious" and self.config.serious == "plain"
        if not self.config.use_llm or late or plain_serious:
            return Retold("plain", plain_reading(headline), "", verdict.label)
        outcome = self.rhyme(ctx, headline.title)
        if outcome.fallback:
            return Retold("plain", plain_reading(headline), "", verdict.label, outcome)
        # The retelling keeps its two lines (so a rhyme judge finds the line ends); the
        # spoken text is one line.
        text = f"{plain_reading(headline)} {spoken(outcome.text)}"
        return Retold("seuss", text, outcome.text, verdict.label, outcome)

    def rhyme(self, ctx: SkillContext, title: str) -> Outcome:
        """The cascade: one candidate per planned pair of end words, the best one that passes."""
        seed = seed_for(ctx.clock.now(), f"{self.name}|{title}")
        pairs = end_pairs(title, self.config.retries + 1, seed)
        examples = self.examples(ctx, title)

        def sample(options: GenerateOptions) -> str:
            pair = pairs[(options.seed or 0) - seed]
            grammar = couplet_grammar(*pair, max_words=max(4, min(7, self.config.max_words // 2)))
            prompt = seuss_prompt(title, pair, examples)
            return ctx.llm.generate(prompt, replace(options, grammar=grammar))

        return generate_checked(
            ctx.llm,
            seuss_prompt(title, pairs[0], examples),
            self.contract(title, len(pairs)),
            fallback=lambda: "",
            options=replace(OPTIONS, seed=seed, fixed_prefix=1 + 2 * len(examples)),
            tidy=two_lines,
            sampler=sample,
            input=title,
        )

    def examples(self, ctx: SkillContext, title: str) -> list[Example]:
        """The few-shot examples: the nearest in the exemplar bank, or the fixed four."""
        if self.config.examples == "fixed":
            return EXAMPLES[: self.config.exemplars]
        found: list[Example] = []
        for exemplar in nearest(ctx, self.name, title, self.config.exemplars):
            ends = line_end_words(exemplar.output)
            if len(ends) >= 2:
                found.append((exemplar.input, (ends[0].lower(), ends[1].lower()), exemplar.output))
        return found

    def contract(self, headline: str, candidates: int) -> Contract:
        """The rules a rhyme keeps before it is spoken, and what ranks the ones that do."""
        return Contract(
            rules=[
                # Two-word runs at most twice: the small model tends to loop on a phrase.
                *writing_rules(
                    headline,
                    self.config.max_words,
                    self.config.extra_banned_words,
                    NoRepetition(span=2, max_repeats=2),
                ),
                Predicate("rhyme", no_rhyme),
                Predicate("end-words-once", tacked_on),
                Predicate("grounded", lambda t: grounding_violation(t, headline)),
                Predicate("real-words", lambda t: _unknown(t, headline)),
            ],
            retries=candidates - 1,
            scores=[
                topical(headline, 3, STOP),
                Score("fresh", fresh),
                Score("rhyme", rhyme_score, 0.5),
            ],
            enough=2,
        )


def fresh(text: str) -> float:
    """A soft score: the share of distinct words (the small model pads lines by repeating)."""
    said = words(text)
    return len(set(said)) / len(said) if said else 0.0


def tacked_on(text: str) -> str | None:
    """Why a line's end word looks tacked on (it already came earlier in the line), or None.

    Forced to end on a planned word, the small model often just repeats it ("the prices
    ease up ease"): that rhymes, but it is not worth hearing.
    """
    for line in text.splitlines():
        said = words(line)
        if len(said) > 1 and said[-1] in said[:-1]:
            return f"{said[-1]!r} ends a line it already said"
    return None


def _unknown(text: str, headline: str) -> str | None:
    """Why the text has made-up words, or None."""
    found = unknown_words(text, headline)
    return None if not found else f"not English: {', '.join(found)}"
