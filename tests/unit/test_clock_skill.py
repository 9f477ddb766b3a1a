"""The clock skill against a fake model: right times pass, anything else falls back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.testing import FakeLLM, FixedClock, fake_context
from skills._lib.timecheck import wrong_time
from skills.clock import UNSURE, ClockSkill

MOMENT = datetime(2026, 3, 14, 13, 45)


def run(skill: ClockSkill, llm: FakeLLM, tmp_path: Path) -> str:
    ctx = fake_context(FixedClock(MOMENT), tmp_path, llm=llm)
    return skill.run(ctx).text


def test_a_correct_couplet_is_kept(tmp_path: Path) -> None:
    couplet = "The day rolls on in sunny light,\nat 13:45 all is right."
    assert run(ClockSkill(), FakeLLM([couplet]), tmp_path) == couplet


def test_chatter_after_the_couplet_is_dropped(tmp_path: Path) -> None:
    llm = FakeLLM(
        ['"Tea at 1:45, the kettle sings,\nand joy is what the teapot brings."\nHope you like it!']
    )
    text = run(ClockSkill(), llm, tmp_path)
    assert text == "Tea at 1:45, the kettle sings,\nand joy is what the teapot brings."


def test_a_wrong_time_is_retried_then_replaced(tmp_path: Path) -> None:
    llm = FakeLLM(["It's 12:45, hooray!"])
    skill = ClockSkill(ClockSkill.Config(retries=2))
    text = run(skill, llm, tmp_path)
    assert len(llm.calls) == 3
    assert "13:45" in text and wrong_time(text, MOMENT) is None


def test_twelve_hour_form(tmp_path: Path) -> None:
    llm = FakeLLM(["nothing useful"])
    text = run(ClockSkill(ClockSkill.Config(hour_format="12h", retries=0)), llm, tmp_path)
    assert "1:45 PM" in text
    assert "1:45 PM" in llm.calls[0][0][-1]["content"]


def test_without_the_model(tmp_path: Path) -> None:
    llm = FakeLLM()
    assert run(ClockSkill(ClockSkill.Config(use_llm=False)), llm, tmp_path) == "It is 13:45."
    assert llm.calls == []


def test_an_unsynchronised_clock_is_not_stated_as_fact(tmp_path: Path) -> None:
    llm = FakeLLM(["At 13:45 the sun is high,\nthe clock is right, and so am I."])
    clock = FixedClock(MOMENT, synchronized=False)
    for config in (ClockSkill.Config(), ClockSkill.Config(use_llm=False)):
        reply = ClockSkill(config).run(fake_context(clock, tmp_path, llm=llm))
        assert reply.text == UNSURE and reply.data["synchronized"] is False
        assert wrong_time(reply.text, MOMENT) == "states no time in numerals"
    assert llm.calls == []


def test_a_synchronised_run_says_so(tmp_path: Path) -> None:
    ctx = fake_context(FixedClock(MOMENT), tmp_path, llm=FakeLLM(["nothing"]))
    assert ClockSkill(ClockSkill.Config(retries=0)).run(ctx).data["synchronized"] is True
