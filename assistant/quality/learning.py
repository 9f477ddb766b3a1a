"""Learning from ratings: a liked output joins its skill's exemplar bank, a disliked one becomes
a rule that rejects near-duplicates of it and an item of the skill's regression file.

Near-duplicate means word 3-gram Jaccard similarity of at least `NEAR` (numerals count as one
token, so the same couplet at another time is the same couplet). The threshold is measured on
the shipped banks (docs/quality.md): no two different exemplars of any bank come that close
(the closest pair: 0.33), while 99-100 % of the exemplars with one word changed or dropped do.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from assistant.files import append_json_line
from assistant.llm.base import LLM, GenerateOptions, Prompt
from assistant.llm.contract import Rule, RuledLLM
from assistant.quality.exemplars import Exemplar, ExemplarBanks

NEAR = 0.4
SPAN = 3
REGRESSIONS = "regressions"
_WORD = re.compile(r"[\w']+")


class Learner(Protocol):
    """Where ratings of what a skill said go; called by the feedback command's hook."""

    def liked(self, skill: str, input: str, output: str) -> None:
        """The model-written `output` (for `input`) was good: make it a few-shot exemplar."""

    def disliked(self, skill: str, input: str, output: str, note: str = "") -> None:
        """The model-written `output` (for `input`) was bad: never say it, nor its like, again."""

    def rules(self, skill: str) -> list[Rule]:
        """The learned rules every checked generation of `skill` keeps (none when none)."""


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    """The text's word 3-grams, lower case, any numeral one token (the whole text if shorter)."""
    said = [("#" if any(c.isdigit() for c in w) else w.lower()) for w in _WORD.findall(text)]
    if len(said) < SPAN:
        return frozenset([tuple(said)]) if said else frozenset()
    return frozenset(tuple(said[i : i + SPAN]) for i in range(len(said) - SPAN + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word 3-grams, in [0, 1]."""
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x | y else 1.0


@dataclass
class NotDisliked:
    """A rule: no near-duplicate of a disliked output. Counts what it rejects (for `eval`)."""

    disliked: Sequence[str]
    threshold: float = NEAR
    name: str = "disliked"
    rejected: int = 0
    _prints: list[frozenset[tuple[str, ...]]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._prints = [shingles(text) for text in self.disliked]

    def nearest(self, text: str) -> tuple[int, float]:
        """The index of the disliked output most like `text`, and how alike (-1, 0.0: none)."""
        mine = shingles(text)
        best, score = -1, 0.0
        for i, other in enumerate(self._prints):
            union = mine | other
            alike = len(mine & other) / len(union) if union else 1.0
            if alike > score:
                best, score = i, alike
        return best, score

    def violation(self, text: str) -> str | None:
        """Fail on text at least `threshold` alike to a disliked output."""
        index, score = self.nearest(text)
        if index < 0 or score < self.threshold:
            return None
        self.rejected += 1
        return f"{score:.2f} alike to a disliked output: {self.disliked[index][:60]!r}"


def load_regressions(path: Path) -> list[dict[str, Any]]:
    """The items of one skill's regression file; unreadable lines are skipped, not fatal."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    items = []
    for line in lines:
        try:
            raw = json.loads(line)
        except ValueError:
            continue
        if isinstance(raw, dict) and isinstance(raw.get("output"), str):
            items.append(raw)
    return items


class StateLearner:
    """The real learner: liked outputs into `banks`' learned folder, disliked ones into
    `<state>/regressions/<skill>.jsonl` (`{"input", "output", "note", "time"}` lines)."""

    def __init__(self, state_dir: Path, banks: ExemplarBanks) -> None:
        self.folder = state_dir / REGRESSIONS
        self.banks = banks
        self._lock = threading.Lock()

    def path(self, skill: str) -> Path:
        """The regression file of `skill`."""
        return self.folder / f"{skill}.jsonl"

    def liked(self, skill: str, input: str, output: str) -> None:
        """Add the output to the skill's bank (once); an empty output teaches nothing."""
        if output.strip():
            self.banks.learn(skill, Exemplar(input, output.strip()))

    def disliked(self, skill: str, input: str, output: str, note: str = "") -> None:
        """Add the output to the skill's regression file (once); its rule rejects it from now."""
        if not output.strip():
            return
        with self._lock:
            path = self.path(skill)
            if any(similarity(i["output"], output) >= 1.0 for i in load_regressions(path)):
                return
            row = {"input": input, "output": output.strip(), "note": note}
            row["time"] = datetime.now(UTC).isoformat(timespec="seconds")
            append_json_line(path, row)

    def regressions(self, skill: str) -> list[dict[str, Any]]:
        """The disliked items of `skill`, oldest first."""
        return load_regressions(self.path(skill))

    def rules(self, skill: str) -> list[Rule]:
        """One rule rejecting near-duplicates of every disliked output of `skill` (or none)."""
        disliked = [item["output"] for item in self.regressions(skill)]
        return [NotDisliked(disliked)] if disliked else []


class Replay(RuledLLM):
    """`eval skills` on a skill with disliked items: its engine carries the learned rule, and
    counts the disliked items the model writes again (near-duplicates of what it generates)."""

    def __init__(self, inner: LLM, rule: NotDisliked) -> None:
        super().__init__(inner, [rule])
        self.rule = rule
        self.again: set[int] = set()

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """The whole answer, compared with the disliked items."""
        return self._seen(self.inner.generate(prompt, options))

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """The answer piece by piece; compared with the disliked items once it is whole."""
        pieces = []
        for piece in self.inner.stream(prompt, options):
            pieces.append(piece)
            yield piece
        self._seen("".join(pieces))

    def _seen(self, text: str) -> str:
        index, score = self.rule.nearest(text)
        if index >= 0 and score >= self.rule.threshold:
            self.again.add(index)
        return text

    def report(self) -> dict[str, int]:
        """The `regressions` entry of the skill's eval metrics."""
        return {
            "items": len(self.rule.disliked),
            "produced_again": len(self.again),
            "rejected": self.rule.rejected,
        }


def replay(llm: LLM, learner: Learner | None, skill: str) -> Replay | None:
    """A Replay engine for `skill` when it has disliked items, else None."""
    rules = learner.rules(skill) if learner is not None else []
    found = next((r for r in rules if isinstance(r, NotDisliked)), None)
    return Replay(llm, found) if found is not None else None


def ruled(llm: LLM, learner: Learner, skill: str) -> LLM:
    """`llm` carrying the rules `learner` learned for `skill` (as it is when there are none)."""
    learned = learner.rules(skill)
    return RuledLLM(llm, learned) if learned else llm


def teach(
    learner: Learner, skill: str, pieces: Iterable[tuple[str, str]], verdict: str, note: str = ""
) -> None:
    """Hand one rating of what `skill` said to `learner`, piece by piece ((input, written)
    pairs, as the journal keeps them): "good" likes each piece, "bad" dislikes it; a piece
    the model did not write (a fixed fallback, a plain reading) teaches nothing."""
    for given, written in pieces:
        if not written.strip():
            continue
        if verdict == "good":
            learner.liked(skill, given, written)
        else:
            learner.disliked(skill, given, written, note)
