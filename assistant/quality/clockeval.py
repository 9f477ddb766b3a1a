"""The clock's evaluator: couplets at 48 spread times, judged; cost against one plain sample.

Per item the configured clock skill runs once (its cascade included). A couplet is *good*
when the model wrote it (no fixed fallback), it states the right time, rhymes, fits the
hour and makes sense (the sense judge, scored with the evaluated model). `rhyme_rate` and
`sense_rate` are over what is said (fallbacks included: they rhyme, and as our own fixed
text they are not scored for sense). The cost
baseline is a single-sample run of the clock as it was before the cascade (three fixed
examples, free sampling, no retries), timed in the same process on the same items.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from assistant.clock import FixedClock
from assistant.llm.base import LLM
from assistant.llm.contract import words
from assistant.quality.evaluate import CountingLLM, EvalOptions, Timer, load_eval_set, rate
from assistant.quality.hoursense import odd_for_hour
from assistant.quality.rhyme import no_rhyme
from assistant.quality.sense import SENSE_FLOOR, sense_score
from assistant.registry import load_registry
from assistant.skill import Reply, Skill
from assistant.testing import fake_context

MAX_WORDS = 40
BASELINE = {"examples": "fixed", "decoding": "free", "retries": 0}


def clock_skill(config: dict[str, Any]) -> Skill:
    """The installed clock skill with `config` over its defaults."""
    cls = load_registry().skills["clock"]
    return cls(cls.Config.model_validate(config))


def run_once(skill: Skill, llm: LLM, moment: datetime, options: EvalOptions, tmp: Path) -> Reply:
    """One run of `skill` at `moment`, as the runner would do it (without speaking)."""
    ctx = fake_context(FixedClock(moment), tmp, llm=llm, exemplars=options.exemplars)
    return skill.run(ctx)


def sense_of(skill: Skill, llm: LLM, moment: datetime, options: EvalOptions, tmp: Path) -> Any:
    """A function giving the sense score of a text said at `moment`, against the skill's prompt."""
    ctx = fake_context(FixedClock(moment), tmp, llm=llm, exemplars=options.exemplars)
    prompt = skill.prompt(ctx, moment, skill.stated_time(moment))  # type: ignore[attr-defined]
    return lambda text: sense_score(llm, prompt, text)


def judge(reply: Reply, moment: datetime, sense: float | None = None) -> dict[str, bool]:
    """The judges' verdicts on one reply (`sense`: its sense score, None when unscored)."""
    from skills._lib.timecheck import wrong_time  # the clock's own check, shipped with it

    return {
        "wrong_time": wrong_time(reply.text, moment) is not None,
        "rhymes": no_rhyme(reply.text) is None,
        "odd": odd_for_hour(reply.text, moment) is not None,
        "long": len(words(reply.text)) > MAX_WORDS,
        "fallback": bool(reply.data.get("fallback")),
        "sensible": sense is None or sense >= SENSE_FLOOR,
    }


def evaluate_clock(llm: LLM, options: EvalOptions) -> dict[str, Any]:
    """Run the clock over its eval set; return the report's metrics for it."""
    moments = [datetime.fromisoformat(i["at"]) for i in load_eval_set("clock", options.limit)]
    counting = CountingLLM(llm)
    skill = clock_skill(options.configs.get("clock", {}))
    baseline = clock_skill(BASELINE)
    runs, single = Timer(), Timer()
    verdicts, attempts = [], 0
    with tempfile.TemporaryDirectory(prefix="eval-clock-") as tmp:
        # One run first, untimed, loads the model and fills the prompt cache for both.
        run_once(baseline, llm, moments[0], options, Path(tmp))
        for moment in moments:
            reply: Reply = runs.time(partial(run_once, skill, counting, moment, options, Path(tmp)))
            # The fixed fallbacks are ours, not the model's: sensible by construction.
            fixed = bool(reply.data.get("fallback"))
            sense = None if fixed else sense_of(skill, llm, moment, options, Path(tmp))(reply.text)
            verdicts.append(judge(reply, moment, sense))
            attempts += int(reply.data.get("attempts", 0))
            single.time(partial(run_once, baseline, llm, moment, options, Path(tmp)))
    n = len(verdicts)
    good = sum(
        not (v["wrong_time"] or v["odd"] or v["long"] or v["fallback"])
        and v["rhymes"]
        and v["sensible"]
        for v in verdicts
    )
    median, base = runs.median or 0.0, single.median or 0.0
    return {
        "items": n,
        "rhyme_rate": rate(sum(v["rhymes"] for v in verdicts), n),
        "sense_rate": rate(sum(v["sensible"] for v in verdicts), n),
        "good_rate": rate(good, n),
        "length_violations": sum(v["long"] for v in verdicts),
        "seconds_per_item": round(runs.mean or 0.0, 3),
        "tokens_per_good": round(counting.tokens / good, 1) if good else None,
        "wrong_times": sum(v["wrong_time"] for v in verdicts),
        "odd_for_hour": sum(v["odd"] for v in verdicts),
        "fallback_rate": rate(sum(v["fallback"] for v in verdicts), n),
        "attempts_per_item": round(attempts / n, 2) if n else None,
        "median_run_s": round(median, 3),
        "baseline_single_sample_s": round(base, 3),
        "cost_ratio": round(median / base, 2) if base else None,
    }
