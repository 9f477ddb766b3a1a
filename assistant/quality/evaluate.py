"""`eval skills`: one evaluator per skill runs its eval set against a built LLM.

An evaluator is a function `(llm, options) -> metrics`. The metrics every report shows are
`METRICS`; a skill leaves out what does not apply to it (shown as null). Evaluators are
registered by name in `EVALUATORS` as "module:function" and imported only when run.
"""

from __future__ import annotations

import importlib
import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.llm.base import LLM, GenerateOptions, Prompt, WrappedLLM
from assistant.quality.exemplars import DATA_DIR, ExemplarBanks, Exemplars
from assistant.quality.learning import Learner, replay

EVAL_DIR = DATA_DIR / "eval"
# The measures of every skill, in report order (null where a skill has no such measure).
METRICS = (
    "items",
    "rhyme_rate",
    "sense_rate",
    "grounded_rate",
    "good_rate",
    "tragic_joked",
    "length_violations",
    "answered_right",
    "declined_right",
    "seconds_per_item",
    "tokens_per_good",
    "regressions",
)
# skill name -> "module:function" of its evaluator; other skills add their line here.
EVALUATORS: dict[str, str] = {
    "clock": "assistant.quality.clockeval:evaluate_clock",
    "ask": "assistant.quality.ask_eval:evaluate_ask_skill",
    "seuss-news": "assistant.quality.newseval:evaluate_seuss",
    "fake-quote": "assistant.quality.newseval:evaluate_fake_quote",
    "hn-troll": "assistant.quality.newseval:evaluate_hn_troll",
}


class EvalError(AssistantError):
    """An unknown skill or an unreadable eval set."""


@dataclass
class EvalOptions:
    """What an evaluator gets besides the LLM."""

    # Only the first `limit` items of each eval set (None: all of them).
    limit: int | None = None
    exemplars: Exemplars = field(default_factory=ExemplarBanks)
    # A scratch dir for skills' state during the run.
    state_dir: Path = Path(".")
    # Skill config overrides by skill name, e.g. {"clock": {"examples": "fixed"}}; for
    # "ask", the [retrieval] section.
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Where rebuildable files live (the ONNX export of MiniLM); None: under state_dir.
    cache_dir: Path | None = None
    # What ratings taught: a skill with disliked items is run with their rule, and its
    # metrics get `regressions` (see `assistant.quality.learning.Replay`).
    learner: Learner | None = None


Evaluator = Callable[[LLM, EvalOptions], dict[str, Any]]


class CountingLLM(WrappedLLM):
    """Wraps an LLM and counts the pieces it streams (one per token for llama.cpp and
    OpenAI-compatible servers) and the calls made, so that evaluators report tokens."""

    def __init__(self, inner: LLM) -> None:
        super().__init__(inner)
        self.tokens = 0
        self.calls = 0

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """The answer piece by piece, counted."""
        self.calls += 1
        for piece in self.inner.stream(prompt, options):
            self.tokens += 1
            yield piece


def load_eval_set(name: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The items of `<eval dir>/<name>.jsonl`; raise EvalError naming the file and line."""
    path = EVAL_DIR / f"{name}.jsonl"
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as exc:
        raise EvalError(f"{path}: cannot read the eval set: {exc.strerror}") from exc
    items = []
    for number, line in enumerate(lines, 1):
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise EvalError(f"{path}:{number}: not JSON: {exc}") from exc
    return items[:limit] if limit is not None else items


def evaluator(skill: str) -> Evaluator:
    """The evaluator registered for `skill`; raise EvalError when there is none."""
    target = EVALUATORS.get(skill)
    if target is None:
        known = ", ".join(sorted(EVALUATORS))
        raise EvalError(f"--skill {skill}: no eval set for this skill (known: {known})")
    module, _, function = target.partition(":")
    found: Evaluator = getattr(importlib.import_module(module), function)
    return found


def evaluate_skills(llm: LLM, skills: list[str], options: EvalOptions) -> dict[str, Any]:
    """Run each skill's evaluator; every result has every key of METRICS (null when n/a)."""
    runners = {skill: evaluator(skill) for skill in skills}  # unknown names fail up front
    out: dict[str, Any] = {}
    for skill, run in runners.items():
        replayed = replay(llm, options.learner, skill)
        metrics = run(replayed or llm, options)
        if replayed is not None:
            metrics["regressions"] = replayed.report()
        out[skill] = {key: metrics.get(key) for key in METRICS} | metrics
    return out


class Timer:
    """Wall-clock seconds of each timed run, for medians."""

    def __init__(self) -> None:
        self.runs: list[float] = []

    def time(self, work: Callable[[], Any]) -> Any:
        """Run `work`, record how long it took, return its result."""
        started = time.perf_counter()
        try:
            return work()
        finally:
            self.runs.append(time.perf_counter() - started)

    @property
    def median(self) -> float | None:
        """The median run, or None before any."""
        return statistics.median(self.runs) if self.runs else None

    @property
    def mean(self) -> float | None:
        """The mean run, or None before any."""
        return statistics.fmean(self.runs) if self.runs else None


def rate(part: int, whole: int) -> float | None:
    """`part / whole` rounded for a report, or None for an empty set."""
    return round(part / whole, 3) if whole else None
