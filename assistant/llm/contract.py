"""Output contracts: declarative business rules between the model and the speaker."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from assistant.errors import ModelError
from assistant.llm.base import LLM, GenerateOptions, Prompt

log = logging.getLogger(__name__)
WORD = re.compile(r"[\w']+")


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
class Contract:
    """The rules a skill's output must keep, and how often to retry before falling back."""

    rules: Sequence[Rule]
    retries: int = 2

    def violations(self, text: str) -> list[str]:
        """Return `rule: reason` for each rule the text breaks."""
        found = []
        for rule in self.rules:
            reason = rule.violation(text)
            if reason is not None:
                found.append(f"{rule.name}: {reason}")
        return found


@dataclass
class Outcome:
    """What a checked generation produced."""

    text: str
    attempts: int
    fallback: bool
    failures: list[str] = field(default_factory=list)


def generate_checked(
    llm: LLM,
    prompt: Prompt,
    contract: Contract,
    fallback: Callable[[], str],
    *,
    options: GenerateOptions | None = None,
    tidy: Callable[[str], str] = str.strip,
) -> Outcome:
    """Generate until the contract holds, with a new seed each try; else use the fallback."""
    opts = options or GenerateOptions()
    base_seed = opts.seed or 0
    failures: list[str] = []
    attempts = 0
    for attempt in range(contract.retries + 1):
        attempts = attempt + 1
        try:
            text = tidy(llm.generate(prompt, replace(opts, seed=base_seed + attempt)))
        except ModelError as exc:
            failures.append(f"attempt {attempts}: model error: {exc}")
            log.warning("attempt %d: model error: %s", attempts, exc)
            break
        broken = contract.violations(text)
        if not broken:
            return Outcome(text=text, attempts=attempts, fallback=False, failures=failures)
        failures.append(f"attempt {attempts}: {'; '.join(broken)}")
        log.info("attempt %d rejected (%s): %r", attempts, "; ".join(broken), text)
    text = fallback()
    log.info("using the fallback after %d attempts: %r", attempts, text)
    return Outcome(text=text, attempts=attempts, fallback=True, failures=failures)
