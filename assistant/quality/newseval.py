"""Evaluators of the news skills for `eval skills`: seuss-news, fake-quote and hn-troll.

Each runs the installed skill (through the entry points) with the given model on eval sets
kept in the repo: 100 headlines of each label (tests/data/headlines.jsonl, the set the
sensitivity judge is measured on) and 60 story titles (tests/data/hn_titles.jsonl). What
the skill said is scored with the same judges the skills use. A benchmark, not a test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.clock import FixedClock
from assistant.errors import AssistantError
from assistant.llm.base import LLM
from assistant.llm.contract import words
from assistant.news.headline import Headline
from assistant.quality.evaluate import CountingLLM, EvalOptions
from assistant.quality.grounding import grounding_violation
from assistant.quality.rhyme import no_rhyme
from assistant.quality.sensitivity import LABELS
from assistant.registry import load_registry
from assistant.skill import Skill
from assistant.testing import fake_context

# The labelled headlines live with the tests (tests/data/headlines.jsonl) in a checkout.
HEADLINES = Path(__file__).resolve().parents[2] / "tests" / "data" / "headlines.jsonl"
MAX_WORDS = 25


@dataclass(frozen=True)
class Labelled:
    """One eval headline."""

    headline: str
    source: str
    label: str
    split: str


def load_headlines(path: Path = HEADLINES, per_label: int = 100) -> list[Labelled]:
    """The first `per_label` headlines of each label, in file order; a bad line is an error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AssistantError(f"{path}: cannot read: {exc.strerror}") from exc
    rows: list[Labelled] = []
    taken = dict.fromkeys(LABELS, 0)
    for number, line in enumerate(lines, 1):
        try:
            raw = json.loads(line)
            row = Labelled(raw["headline"], raw["source"], raw["label"], raw.get("split", ""))
        except (ValueError, KeyError, TypeError) as exc:
            raise AssistantError(f"{path}:{number}: not a labelled headline") from exc
        if row.label not in taken:
            raise AssistantError(f"{path}:{number}: unknown label {row.label!r}")
        if taken[row.label] < per_label:
            taken[row.label] += 1
            rows.append(row)
    return rows


@dataclass
class RunCost:
    """What an evaluation spent (seconds, tokens, model calls) and a few outputs to read."""

    seconds: float = 0.0
    tokens: int = 0
    calls: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)
    # Inputs judged, and the outputs good on every count.
    items: int = 0
    good: int = 0

    def cost(self) -> dict[str, Any]:
        """The cost figures of a report: seconds an item, tokens a good output, model calls."""
        return {
            "seconds_per_item": round(self.seconds / max(1, self.items), 3),
            "tokens_per_good": round(self.tokens / max(1, self.good), 1),
            "model_calls": self.calls,
        }


@dataclass
class SeussScore(RunCost):
    """What seuss-news did with the eval headlines."""

    by_label: dict[str, int] = field(default_factory=dict)
    retold: int = 0
    rhymed: int = 0
    grounded: int = 0
    tragic_joked: int = 0
    length_violations: int = 0

    def report(self) -> dict[str, Any]:
        """The published numbers (rates over the non-tragic headlines)."""
        non_tragic = self.items - self.by_label.get("tragic", 0)
        return {
            "items": self.items,
            "by_label": self.by_label,
            "retold": self.retold,
            "rhyme_rate": round(self.rhymed / max(1, non_tragic), 3),
            "grounded_rate": round(self.grounded / max(1, self.retold), 3),
            "good_rate": round(self.good / max(1, non_tragic), 3),
            "tragic_joked": self.tragic_joked,
            "length_violations": self.length_violations,
            "seconds_per_non_tragic": round(self.seconds / max(1, non_tragic), 3),
            **self.cost(),
        }


def eval_seuss(
    skill: Any, ctx: Any, llm: CountingLLM, rows: Sequence[Labelled], keep: int = 12
) -> SeussScore:
    """Retell every row with `skill` (a SeussNewsSkill, whose `ctx.llm` is `llm`) and score it."""
    score = SeussScore()
    for row in rows:
        headline = Headline(title=row.headline, link=None, source=row.source, published=None)
        started = time.perf_counter()
        told = skill.retell(ctx, headline)
        score.seconds += time.perf_counter() - started
        score.items += 1
        score.by_label[row.label] = score.by_label.get(row.label, 0) + 1
        _score_one(score, row, told.mode, told.outcome.text if told.outcome else "")
        if told.mode == "seuss" and len(score.examples) < keep:
            score.examples.append({"headline": row.headline, "retelling": told.retelling})
    score.tokens, score.calls = llm.tokens, llm.calls
    return score


def _score_one(score: SeussScore, row: Labelled, mode: str, lines: str) -> None:
    """Add one headline's outcome (the rhyme as the model wrote it, in lines) to the score."""
    if mode != "seuss":
        return
    score.retold += 1
    score.tragic_joked += row.label == "tragic"
    rhymes = no_rhyme(lines) is None
    grounded = grounding_violation(lines, row.headline) is None
    short = len(words(lines)) <= MAX_WORDS
    score.rhymed += rhymes
    score.grounded += grounded
    score.length_violations += not short
    score.good += rhymes and grounded and short and row.label != "tragic"


def moment() -> datetime:
    """The fixed time the evaluations run at, so that seeds repeat from run to run."""
    return datetime(2026, 11, 30, 12, 0)


HN_TITLES = HEADLINES.with_name("hn_titles.jsonl")


def load_titles(path: Path = HN_TITLES) -> list[str]:
    """The story titles of the hn-troll eval set."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AssistantError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return [str(json.loads(line)["title"]) for line in lines if line.strip()]
    except (ValueError, KeyError, TypeError) as exc:
        raise AssistantError(f"{path}: not a list of {{title}} objects") from exc


@dataclass
class TextScore(RunCost):
    """What a labelled-text skill (fake-quote, hn-troll) said over its eval inputs."""

    labelled: int = 0
    grounded: int = 0
    within_length: int = 0
    fallbacks: int = 0

    def add(self, text: str, *, label: bool, grounded: bool, short: bool, fallback: bool) -> None:
        """Count one output."""
        self.items += 1
        self.labelled += label
        self.grounded += grounded
        self.within_length += short
        self.fallbacks += fallback
        self.good += label and grounded and short and not fallback

    def report(self) -> dict[str, Any]:
        """The published numbers."""
        n = max(1, self.items)
        return {
            "items": self.items,
            "label_rate": round(self.labelled / n, 3),
            "grounded_rate": round(self.grounded / n, 3),
            "length_violations": self.items - self.within_length,
            "fallback_rate": round(self.fallbacks / n, 3),
            "good_rate": round(self.good / n, 3),
            **self.cost(),
        }


def eval_fake_quote(skill: Any, ctx: Any, llm: CountingLLM, rows: Sequence[Labelled]) -> TextScore:
    """Make up a quote about each light headline, speakers in turn, and score each."""
    from assistant.quality.grounding import is_grounded

    score = TextScore()
    said: set[str] = set()
    names = skill.config.celebrities
    for i, row in enumerate(r for r in rows if r.label == "light"):
        name = names[i % len(names)]
        started = time.perf_counter()
        quote, _, fell_back = skill.quote(ctx, name, row.headline, said)
        score.seconds += time.perf_counter() - started
        said.add(" ".join(words(quote)))
        text = f'A made-up quote, in the style of {name}: "{quote}"'
        score.add(
            text,
            label=text.startswith("A made-up quote"),
            grounded=is_grounded(quote, f"{row.headline} {name}"),
            short=len(words(text)) < 50,
            fallback=fell_back,
        )
        if len(score.examples) < 12 and not fell_back:
            score.examples.append({"headline": row.headline, "quote": text})
    score.tokens, score.calls = llm.tokens, llm.calls
    return score


def eval_hn_troll(skill: Any, ctx: Any, llm: CountingLLM, titles: Sequence[str]) -> TextScore:
    """Write a parody comment on each story title and score each."""
    score = TextScore()
    stock = getattr(skill, "stock", ())
    for title in titles:
        headline = Headline(title=title, link=None, source="Hacker News", published=None)
        started = time.perf_counter()
        comment, _, fell_back = skill.comment(ctx, headline)
        score.seconds += time.perf_counter() - started
        text = f"{skill.label(title)} {comment}"
        score.add(
            text,
            label="parody" in text.lower(),
            grounded=grounding_violation(comment, title, allowed=stock, numbers=False) is None,
            short=len(words(comment)) <= 39,
            fallback=fell_back,
        )
        if len(score.examples) < 12 and not fell_back:
            score.examples.append({"title": title, "comment": comment})
    score.tokens, score.calls = llm.tokens, llm.calls
    return score


def news_skill(name: str, options: EvalOptions) -> Skill:
    """The installed skill `name` with the eval's config overrides over its defaults."""
    cls = load_registry().skills[name]
    return cls(cls.Config.model_validate(options.configs.get(name, {})))


def _context(name: str, llm: LLM, options: EvalOptions) -> Any:
    """A skill context at the eval's fixed moment, with a scratch state dir."""
    state = options.state_dir / name
    return fake_context(FixedClock(moment()), state, llm=llm, exemplars=options.exemplars)


def evaluate_seuss(llm: LLM, options: EvalOptions) -> dict[str, Any]:
    """seuss-news over `limit` (default 100) headlines of each label."""
    counting = CountingLLM(llm)
    rows = load_headlines(per_label=options.limit or 100)
    ctx = _context("seuss-news", counting, options)
    score = eval_seuss(news_skill("seuss-news", options), ctx, counting, rows)
    report = score.report()
    report["tokens_per_good"] = round(score.tokens / score.good, 1) if score.good else None
    return report


def evaluate_fake_quote(llm: LLM, options: EvalOptions) -> dict[str, Any]:
    """fake-quote about `limit` (default 100) light headlines, speakers in turn."""
    counting = CountingLLM(llm)
    rows = [r for r in load_headlines(per_label=options.limit or 100) if r.label == "light"]
    ctx = _context("fake-quote", counting, options)
    return eval_fake_quote(news_skill("fake-quote", options), ctx, counting, rows).report()


def evaluate_hn_troll(llm: LLM, options: EvalOptions) -> dict[str, Any]:
    """hn-troll on the first `limit` (default all 60) story titles."""
    counting = CountingLLM(llm)
    titles = load_titles()[: options.limit] if options.limit else load_titles()
    ctx = _context("hn-troll", counting, options)
    return eval_hn_troll(news_skill("hn-troll", options), ctx, counting, titles).report()
