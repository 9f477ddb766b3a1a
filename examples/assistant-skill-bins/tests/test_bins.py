"""BinDay against the fakes pi-assistant ships: no model, no network, no sound card."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant_skill_bins import BinDay

from assistant.testing import FakeLLM, FixedClock, fake_context

WEDNESDAY = datetime(2026, 1, 7, 19, 0)  # the day before the second collection


def run(llm: FakeLLM, moment: datetime, tmp_path: Path) -> tuple[str, dict[str, object]]:
    reply = BinDay().run(fake_context(FixedClock(moment), tmp_path, llm=llm))
    return reply.text, reply.data


def test_the_model_words_the_right_bin(tmp_path: Path) -> None:
    llm = FakeLLM(["Black rubbish night! Wheel it out before bed."])
    text, data = run(llm, WEDNESDAY, tmp_path)
    assert text == "Black rubbish night! Wheel it out before bed."
    assert data == {"bin": "black rubbish", "fallback": False}


def test_a_wrong_bin_is_never_said(tmp_path: Path) -> None:
    llm = FakeLLM(["Green recycling tomorrow, hooray!"])  # the model got it wrong every time
    text, data = run(llm, WEDNESDAY, tmp_path)
    assert text == "Tomorrow is bin day: put out the black rubbish bin tonight."
    assert data["fallback"] is True
    assert len(llm.calls) == 3  # the first try and two retries


def test_the_rota_turns_weekly(tmp_path: Path) -> None:
    skill = BinDay(BinDay.Config(rota=["blue", "brown", "grey"]))
    days = [datetime(2026, 1, 1 + 7 * week).date() for week in range(4)]
    assert [skill.bin_for(day) for day in days] == ["blue", "brown", "grey", "blue"]
