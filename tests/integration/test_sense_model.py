"""The sense judge with the real model: scoring, the issue's nonsense, the clock's contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from assistant import nonsense
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.quality.sense import end_spans, line_ends
from assistant.testing import FakeLLM, FixedClock, fake_context
from skills.clock import FALLBACKS, ClockSkill, clock_prompt

pytestmark = pytest.mark.slow

GOOD = [
    ("21:05", "The night is quiet, there's not a sound,\nIt's 21:05, and no one is around."),
    ("13:40", "The afternoon is rolling on,\nIt's 13:40, the lunch is gone."),
    ("10:20", "The sun is shining bright,\nIt's 10:20, the world is light."),
]
NONSENSE = [  # outputs of the clock before the judge (the among them)
    ("13:40", "The afternoon is round,\nIt's 13:40, the dinner is done, it's time sound."),
    ("21:05", "The night is dark,\nIt's 21:05, there's not a sound, but it's mark."),
    ("23:54", "The wind is calm,\nIt's 23:54, the wind is down, but the moon nom."),
]


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    llm = LocalEngine(resolve_model(DEFAULT_MODEL), threads=1)
    yield llm
    llm.close()


def test_scores_are_log_probabilities_of_the_reply(engine: LocalEngine) -> None:
    reply = "The sun is shining bright,\nIt's 10:20, the world is light."
    scored = engine.score(clock_prompt("10:20"), reply)
    assert "".join(t.text for t in scored).startswith(reply)
    assert all(t.logprob <= 0.0 for t in scored)
    assert min(t.logprob for t in scored) < -1.0  # not every token is certain


def test_scoring_only_the_line_ends_gives_the_same_logprobs(engine: LocalEngine) -> None:
    reply = "The afternoon is light,\nIt's 13:06, the sun is gone, now we're on might."
    prompt = clock_prompt("13:06")
    whole = engine.score(prompt, reply)
    spans = [(start, stop) for _n, _w, start, stop in end_spans(reply)]
    part = engine.score(prompt, reply, spans)
    assert [t.text for t in part] == [t.text for t in whole]
    scored = [i for i, t in enumerate(part) if t.logprob is not None]
    assert 0 < len(scored) < len(part) // 2  # the two line ends only
    assert all(part[i].logprob == pytest.approx(whole[i].logprob, abs=1e-3) for i in scored)
    assert line_ends(part) == line_ends(whole)


@pytest.mark.parametrize(("stated", "text"), GOOD + NONSENSE)
def test_the_judge_tells_sense_from_nonsense(engine: LocalEngine, stated: str, text: str) -> None:
    verdict = nonsense(engine, clock_prompt(stated), text)
    assert (verdict is not None) == ((stated, text) in NONSENSE), verdict


def test_the_clock_says_no_nonsense(engine: LocalEngine, tmp_path: Path) -> None:
    moment = datetime(2026, 11, 30, 21, 5)
    skill = ClockSkill(ClockSkill.Config(sense=True))
    reply = skill.run(fake_context(FixedClock(moment), tmp_path, llm=engine))  # type: ignore[arg-type]
    if not reply.data["fallback"]:
        ctx = fake_context(FixedClock(moment), tmp_path, llm=FakeLLM())
        prompt = ClockSkill().prompt(ctx, moment, "21:05")
        assert nonsense(engine, prompt, reply.text) is None, reply.text
    else:
        assert reply.text in {f.format("21:05") for f in FALLBACKS}
