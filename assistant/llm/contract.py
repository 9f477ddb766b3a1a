"""Output contracts: declarative business rules between the model and the speaker."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from assistant.errors import ModelError
from assistant.llm.base import LLM, GenerateOptions, Prompt, WrappedLLM

log = logging.getLogger(__name__)
WORD = re.compile(r"[\w']+")
# While a candidate is sampled: its number and the most the contract samples (progress shows
# `generating 2/3`). A context variable, so each skill thread sees its own.
SAMPLING: ContextVar[tuple[int, int] | None] = ContextVar("sampling", default=None)


class Rule(Protocol):
    """One check on generated text."""

    @property
    def name(self) -> str:
        """A short name for logs."""

    def violation(self, text: str) -> str | None:
        """Return why `text` breaks the rule, or None when it holds."""


def words(text: str) -> list[str]:
    """Split text into lower-case words."""
    return [w.lower() for w in WORD.findall(text)]


@dataclass(frozen=True)
class NotEmpty:
    """The text has at least one word."""

    name: str = "not-empty"

    def violation(self, text: str) -> str | None:
        """Fail on text with no words."""
        return None if words(text) else "empty output"


@dataclass(frozen=True)
class MaxWords:
    """At most `limit` words."""

    limit: int
    name: str = "max-words"

    def violation(self, text: str) -> str | None:
        """Fail when the text is longer than the limit."""
        count = len(words(text))
        return None if count <= self.limit else f"{count} words > {self.limit}"


@dataclass(frozen=True)
class MustContain:
    """The text matches a regular expression."""

    pattern: str
    name: str = "must-contain"

    def violation(self, text: str) -> str | None:
        """Fail when the pattern is absent."""
        found = re.search(self.pattern, text, re.IGNORECASE)
        return None if found else f"missing {self.pattern!r}"


@dataclass(frozen=True)
class MustNotContain:
    """None of the words (whole words, any case) appears: a word filter."""

    banned: frozenset[str]
    name: str = "must-not-contain"

    def violation(self, text: str) -> str | None:
        """Fail on the first banned word."""
        hit = next((w for w in words(text) if w in self.banned), None)
        return None if hit is None else f"contains banned word {hit!r}"


@dataclass(frozen=True)
class NoRepetition:
    """No run of `span` words occurs more than `max_repeats` times: catches looping models."""

    span: int = 3
    max_repeats: int = 2
    name: str = "no-repetition"

    def violation(self, text: str) -> str | None:
        """Fail on an n-gram repeated too often."""
        ws = words(text)
        counts: dict[tuple[str, ...], int] = {}
        for i in range(len(ws) - self.span + 1):
            gram = tuple(ws[i : i + self.span])
            counts[gram] = counts.get(gram, 0) + 1
            if counts[gram] > self.max_repeats:
                return f"repeats {' '.join(gram)!r}"
        return None


@dataclass(frozen=True)
class Predicate:
    """Any check given as a function returning a reason or None."""

    name: str
    check: Callable[[str], str | None]

    def violation(self, text: str) -> str | None:
        """Delegate to the function."""
        return self.check(text)


@dataclass(frozen=True)
class Score:
    """A soft score in [0, 1] that ranks the candidates passing every rule (higher is better)."""

    name: str
    score: Callable[[str], float]
    weight: float = 1.0


@dataclass(frozen=True)
class Contract:
    """The rules a skill's output must keep, the scores that rank what passes, and the budget.

    Up to `retries + 1` candidates are sampled, each with its own seed. Sampling stops once
    `enough` of them pass every rule; the best-scored of those is kept. The rules in `then`
    (costly ones, such as a judge that asks the model) are checked only when every rule in
    `rules` passed.
    """

    rules: Sequence[Rule]
    retries: int = 2
    scores: Sequence[Score] = ()
    enough: int = 1
    then: Sequence[Rule] = ()

    def violations(self, text: str) -> list[str]:
        """Return `rule: reason` for each rule the text breaks."""
        found = _broken(self.rules, text)
        return found or _broken(self.then, text)

    def scored(self, text: str) -> dict[str, float]:
        """Each soft score of `text`, by name."""
        return {s.name: float(s.score(text)) for s in self.scores}

    def total(self, scores: dict[str, float]) -> float:
        """The weighted mean of the soft scores; 1.0 when the contract has none."""
        weight = sum(s.weight for s in self.scores)
        if not weight:
            return 1.0
        return sum(s.weight * scores[s.name] for s in self.scores) / weight


@dataclass
class Attempt:
    """One sampled candidate and how it was judged."""

    text: str
    seed: int
    violations: list[str]
    scores: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the candidate broke no rule."""
        return not self.violations


@dataclass
class Outcome:
    """What a checked generation produced, and every candidate it judged on the way."""

    text: str
    attempts: int
    fallback: bool
    failures: list[str] = field(default_factory=list)
    candidates: list[Attempt] = field(default_factory=list)
    score: float = 0.0
    # What the skill gave the model (a headline, the time), and the model's name.
    input: str = ""
    model: str = ""
    # The soft scores of the candidate said, by name (none for the fallback).
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def rule_failures(self) -> dict[str, int]:
        """How many candidates each rule rejected, by rule name."""
        counts: dict[str, int] = {}
        for attempt in self.candidates:
            for violation in attempt.violations:
                name = violation.split(":", 1)[0]
                counts[name] = counts.get(name, 0) + 1
        return counts


Sampler = Callable[[GenerateOptions], str]
# The outcomes of one skill run, collected for its journal entry (None: nobody collects).
_collected: ContextVar[list[Outcome] | None] = ContextVar("collected", default=None)


@contextmanager
def collecting(into: list[Outcome]) -> Iterator[list[Outcome]]:
    """Append every Outcome that generate_checked returns in this context to `into`: the
    runner learns what the model wrote in a run without each skill reporting it."""
    token = _collected.set(into)
    try:
        yield into
    finally:
        _collected.reset(token)


class RuledLLM(WrappedLLM):
    """An engine carrying rules of its own, which every checked generation through it keeps
    too: the app wraps a skill's engine in one with the rules learned from bad ratings, so
    that no skill needs code for them."""

    def __init__(self, inner: LLM, rules: Sequence[Rule]) -> None:
        super().__init__(inner)
        self.rules = list(rules)

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """The wrapped engine's whole answer, as it gives it."""
        return self.inner.generate(prompt, options)


def carried_rules(llm: LLM) -> list[Rule]:
    """The rules of every RuledLLM in `llm`'s chain of wrappers (outermost first)."""
    found: list[Rule] = []
    current: object = llm
    while isinstance(current, WrappedLLM):
        if isinstance(current, RuledLLM):
            found.extend(current.rules)
        current = current.inner
    return found


def _broken(rules: Sequence[Rule], text: str) -> list[str]:
    """`rule: reason` for each of `rules` that `text` breaks."""
    found = []
    for rule in rules:
        reason = rule.violation(text)
        if reason is not None:
            found.append(f"{rule.name}: {reason}")
    return found


def seed_for(moment: datetime, salt: str = "") -> int:
    """A sampling seed from the date and the time to the minute (and a salt, e.g. the skill):
    the same hour gets a different line each day, and a rerun of one minute the same line."""
    key = f"{moment:%Y-%m-%dT%H:%M}|{salt}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "little") & 0x7FFFFFFF


def generate_checked(
    llm: LLM,
    prompt: Prompt,
    contract: Contract,
    fallback: Callable[[], str],
    *,
    options: GenerateOptions | None = None,
    tidy: Callable[[str], str] = str.strip,
    sampler: Sampler | None = None,
    input: str = "",
) -> Outcome:
    """Sample candidates with a new seed each (`sampler`, default `llm.generate(prompt)`), judge
    each by the rules (the contract's and those `llm` carries) and scores, keep the best that
    passes every rule; else the fallback.

    `input` is what the skill gave the model (a headline, the time): the journal keeps it
    beside the model-written text, for feedback and the exemplar bank."""
    opts = options or GenerateOptions()
    carried = carried_rules(llm)
    if carried:
        contract = replace(contract, rules=[*contract.rules, *carried])
    sample = sampler or (lambda o: llm.generate(prompt, o))
    base_seed = opts.seed or 0
    out = Outcome(text="", attempts=0, fallback=True, input=input)
    collected = _collected.get()
    if collected is not None:  # the same object: what the loop fills in, the runner sees
        collected.append(out)
    for attempt in range(contract.retries + 1):
        out.attempts = attempt + 1
        seed = base_seed + attempt
        started = time.perf_counter()
        token = SAMPLING.set((out.attempts, contract.retries + 1))
        try:
            text = tidy(sample(replace(opts, seed=seed)))
        except ModelError as exc:
            out.failures.append(f"attempt {out.attempts}: model error: {exc}")
            log.warning("attempt %d: model error: %s", out.attempts, exc)
            break
        finally:
            SAMPLING.reset(token)
        judged = _judge(contract, text, seed, time.perf_counter() - started)
        out.candidates.append(judged)
        if not judged.passed:
            out.failures.append(f"attempt {out.attempts}: {'; '.join(judged.violations)}")
            log.info("attempt %d (seed %d) rejected (%s): %r", out.attempts, seed,
                     "; ".join(judged.violations), text)  # fmt: skip
            continue
        log.info("attempt %d (seed %d) passed, score %.2f: %r", out.attempts, seed, judged.score,
                 text)  # fmt: skip
        if sum(c.passed for c in out.candidates) >= contract.enough:
            break
    out.model = llm.name  # after sampling: a cascade names the engine that answered
    passing = [c for c in out.candidates if c.passed]
    if passing:
        best = max(passing, key=lambda c: c.score)  # max keeps the first of equal scores
        out.text, out.score, out.fallback = best.text, best.score, False
        out.scores = best.scores
        return out
    out.text = fallback()
    log.info("using the fallback after %d attempts: %r", out.attempts, out.text)
    return out


def _judge(contract: Contract, text: str, seed: int, seconds: float) -> Attempt:
    """Check one candidate against the rules; score it when it passes."""
    broken = contract.violations(text)
    scores = {} if broken else contract.scored(text)
    total = contract.total(scores) if not broken else 0.0
    return Attempt(text, seed, broken, scores, total, round(seconds, 4))
