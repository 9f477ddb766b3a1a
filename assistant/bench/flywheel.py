"""`assistant bench flywheel`: does rating what a skill says make it say better things?

A simulated listener rates seuss-news's rhymes for K rounds with deterministic judges as the
stand-in for a person, and the ratings go through the real learner (in a scratch state dir):
a good rhyme joins the skill's exemplar bank, a bad one becomes a rule against its
near-duplicates. The headlines are split: the listener rates only the train ones; the
good-output rate that counts is the one on held-out headlines, never rated. Each round also
reports diversity (distinct word 3-grams over all 3-grams, distinct outputs over outputs) and
how many held-out rhymes copy a liked one, so that a wheel that only repeats one liked line
shows up as what it is.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.clock import FixedClock
from assistant.llm.base import LLM
from assistant.llm.contract import carried_rules, words
from assistant.quality.exemplars import DATA_DIR, ExemplarBanks
from assistant.quality.grounding import grounding_violation
from assistant.quality.learning import NEAR, Learner, StateLearner, ruled, shingles, similarity
from assistant.quality.rhyme import no_rhyme
from assistant.skill import SkillContext
from assistant.testing import fake_context

log = logging.getLogger(__name__)
SKILL = "seuss-news"
MAX_WORDS = 25
# A teller says one input with the skill and returns the model-written part ("" when none).
Teller = Callable[[SkillContext, str], str]
# A judge says why an output for an input is bad, or None when a person would like it.
Judge = Callable[[str, str], "str | None"]


# Words of the task, not of the news: a rhyme that says them talks about itself ("This is a
# great example of ...", "the end words are a special chime"), which no listener wants.
TASK_WORDS = frozenset(
    [
        "example",
        "examples",
        "version",
        "revised",
        "rhyme",
        "rhymes",
        "word",
        "words",
        "line",
        "lines",
        "headline",
        "title",
        "poem",
        "news",
        "seuss",
    ]
)


def listener(headline: str, rhyme: str) -> str | None:
    """The stand-in for a person: a rhyme is good when it rhymes, names nothing the headline
    does not, is short, does not talk about the task, and is about the news (shares the stem
    of a content word with the headline)."""
    said = set(words(rhyme))
    if said & TASK_WORDS - set(words(headline)):
        return "talks about the task"
    if no_rhyme(rhyme) is not None:
        return "no rhyme"
    if grounding_violation(rhyme, headline) is not None:
        return "not grounded"
    if len(words(rhyme)) > MAX_WORDS:
        return "too long"
    # Word stems, crudely: "apples" is about "apple", "skaters" about "skate".
    content = {w[:4] for w in words(headline) if len(w) > 3}
    return None if content & {w[:4] for w in words(rhyme)} else "not about the headline"


@dataclass
class Wheel:
    """One flywheel: the skill, how it says an input, who rates it, and the input split."""

    skill: str
    teller: Teller
    judge: Judge
    train: Sequence[str]
    heldout: Sequence[str]


def diversity(outputs: Sequence[str]) -> tuple[float, float]:
    """(distinct word 3-grams / all 3-grams, distinct outputs / outputs) of the outputs."""
    grams = [g for text in outputs for g in shingles(text)]
    said = [" ".join(words(text)) for text in outputs]
    return (
        round(len(set(grams)) / len(grams), 3) if grams else 0.0,
        round(len(set(said)) / len(said), 3) if said else 0.0,
    )


def good_rate(wheel: Wheel, inputs: Sequence[str], outputs: Sequence[str]) -> float:
    """The share of inputs with a model-written output the judge likes."""
    good = sum(bool(o) and wheel.judge(i, o) is None for i, o in zip(inputs, outputs, strict=True))
    return round(good / len(inputs), 3) if inputs else 0.0


def rate(wheel: Wheel, learner: Learner, outputs: Sequence[str]) -> tuple[int, int]:
    """The listener rates the train outputs through the learner; (liked, disliked) counts."""
    liked = disliked = 0
    for headline, output in zip(wheel.train, outputs, strict=True):
        if not output:
            continue  # read plainly: nothing the model wrote to rate
        reason = wheel.judge(headline, output)
        if reason is None:
            learner.liked(wheel.skill, headline, output)
            liked += 1
        else:
            learner.disliked(wheel.skill, headline, output, note=reason)
            disliked += 1
    return liked, disliked


def copies(outputs: Sequence[str], liked: Sequence[str]) -> int:
    """How many outputs are near-duplicates of a liked output."""
    return sum(any(similarity(o, x) >= NEAR for x in liked) for o in outputs if o)


def run_rounds(
    wheel: Wheel, context: Callable[[], SkillContext], learner: Learner, rounds: int
) -> list[dict[str, Any]]:
    """Round 0 is before any rating; after each round but the last the train outputs are
    rated. `context` gives a fresh skill context (with the rules learned so far)."""
    report: list[dict[str, Any]] = []
    liked_texts: list[str] = []
    for number in range(rounds + 1):
        started = time.perf_counter()
        ctx = context()
        train = [wheel.teller(ctx, x) for x in wheel.train]
        held = [wheel.teller(ctx, x) for x in wheel.heldout]
        grams, distinct = diversity([o for o in held if o])
        row: dict[str, Any] = {
            "round": number,
            "good_rate": good_rate(wheel, wheel.heldout, held),
            "train_good_rate": good_rate(wheel, wheel.train, train),
            "distinct_3grams": grams,
            "distinct_outputs": distinct,
            "copied_liked": copies(held, liked_texts),
            # Candidates the rules of disliked outputs rejected this round (the cascade then
            # sampled another or read the headline plainly).
            "rule_rejections": sum(getattr(r, "rejected", 0) for r in carried_rules(ctx.llm)),
            "liked": 0,
            "disliked": 0,
        }
        if number < rounds:
            row["liked"], row["disliked"] = rate(wheel, learner, train)
            liked_texts += [o for x, o in zip(wheel.train, train, strict=True)
                            if o and wheel.judge(x, o) is None]  # fmt: skip
        row["seconds"] = round(time.perf_counter() - started, 1)
        log.info("flywheel round %s", row)
        report.append(row)
    return report


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Did it rise, and never fall below round 0?"""
    first, last = rows[0]["good_rate"], rows[-1]["good_rate"]
    return {
        "rise": round(last - first, 3),
        "never_below_round0": all(r["good_rate"] >= first for r in rows),
    }


def seuss_wheel(limit: int) -> Wheel:
    """seuss-news with bank examples on light headlines: `limit` train (the set's dev split)
    and `limit` held-out ones (its held-out split)."""
    from assistant.news.headline import Headline
    from assistant.quality.evaluate import EvalOptions
    from assistant.quality.newseval import load_headlines, news_skill

    skill: Any = news_skill(SKILL, EvalOptions(configs={SKILL: {"examples": "bank"}}))
    light = [r for r in load_headlines(per_label=1000) if r.label == "light"]

    def tell(ctx: SkillContext, title: str) -> str:
        told = skill.retell(ctx, Headline(title=title, link=None, source="bench", published=None))
        return str(told.retelling) if told.mode == "seuss" else ""

    train = [r.headline for r in light if r.split == "dev"][:limit]
    heldout = [r.headline for r in light if r.split == "heldout"][:limit]
    return Wheel(SKILL, tell, listener, train, heldout)


def run_flywheel(
    llm: LLM, banks: ExemplarBanks, state: Path, *, rounds: int, limit: int
) -> dict[str, Any]:
    """The seuss-news flywheel on `llm`, learning into `banks` and the scratch dir `state`."""
    from assistant.quality.newseval import moment

    wheel = seuss_wheel(limit)
    learner = StateLearner(state, banks)

    def context() -> SkillContext:
        llm_now = ruled(llm, learner, wheel.skill)
        return fake_context(FixedClock(moment()), state / "skill", llm=llm_now, exemplars=banks)

    started = time.perf_counter()
    rows = run_rounds(wheel, context, learner, rounds)
    return {
        "skill": wheel.skill,
        "model": llm.name,
        "train": len(wheel.train),
        "heldout": len(wheel.heldout),
        "rounds": rows,
        **summary(rows),
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_bench(
    config: Any,
    cache: Path,
    make_llm: Callable[[Path], LLM],
    *,
    rounds: int,
    limit: int,
    shipped: bool = False,
) -> dict[str, Any]:
    """The benchmark as `assistant bench flywheel` runs it: the model `make_llm` builds for a
    state dir (the app's builder, handed in by the CLI), the configured embedder, the bank
    empty at the start (or the shipped one), all learned in a temp dir removed afterwards."""
    from assistant.retrieval.store import build_embedder

    with tempfile.TemporaryDirectory(prefix="flywheel-") as tmp:
        state = Path(tmp)
        llm = make_llm(state)
        banks = ExemplarBanks(
            embedder=build_embedder(config.retrieval, cache),
            cache_dir=state / "cache",
            folders=[DATA_DIR] if shipped else [],
            learned=state / "exemplars",
        )
        try:
            report = run_flywheel(llm, banks, state, rounds=rounds, limit=limit)
            return {"bank": "shipped" if shipped else "empty", **report}
        finally:
            banks.close()
            llm.close()
