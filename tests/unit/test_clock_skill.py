"""The clock skill against a fake model: right times pass, anything else falls back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant import GenerateOptions, Message, odd_for_hour
from assistant.testing import FakeLLM, FixedClock, fake_context
from skills._lib.timecheck import wrong_time
from skills.clock import UNSURE, ClockSkill, fits, tidy_couplet

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
    skill = ClockSkill(ClockSkill.Config(retries=2, decoding="free"))
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


def grammar_of(options: GenerateOptions) -> str:
    assert options.grammar is not None
    return options.grammar


def test_line_two_is_made_to_rhyme_with_line_one(tmp_path: Path) -> None:
    def answer(messages: list[Message]) -> str:
        return "The sun is high above the town,\nIt's 13:45, the leaves come down."

    llm = FakeLLM(answer)
    reply = ClockSkill().run(fake_context(FixedClock(MOMENT), tmp_path, llm=llm))
    assert reply.text == "The sun is high above the town,\nIt's 13:45, the leaves come down."
    assert reply.data["fallback"] is False and reply.data["attempts"] == 1
    first, second = (options for _m, options in llm.calls)
    assert first.grammar is None and "\n" in first.stop
    assert '"It\'s 13:45"' in grammar_of(second) and '"down"' in grammar_of(second)
    assert '"town"' not in grammar_of(second)  # the word itself is no rhyme


@pytest.mark.parametrize(
    ("couplet", "rule"),
    [
        ("The moon is out, the stars are bright,\nat 13:45 we say goodnight.", "hour-sense"),
        ("The day is long, the sun is high,\nat 13:45 the birds are here.", "rhyme"),
        ("The day is long, the sky is blue,\nat 12:45 the birds come too.", "correct-time"),
    ],
)
def test_each_hard_rule_rejects(couplet: str, rule: str, tmp_path: Path) -> None:
    skill = ClockSkill(ClockSkill.Config(retries=1, decoding="free"))
    reply = skill.run(fake_context(FixedClock(MOMENT), tmp_path, llm=FakeLLM([couplet])))
    assert reply.data["fallback"] is True and reply.data["rule_failures"] == {rule: 2}
    assert "13:45" in reply.text and wrong_time(reply.text, MOMENT) is None


def test_scenery_odd_for_the_hour_is_avoided_in_sampling(tmp_path: Path) -> None:
    llm = FakeLLM(["no"])
    skill = ClockSkill(ClockSkill.Config(retries=0, decoding="free"))
    skill.run(fake_context(FixedClock(MOMENT), tmp_path, llm=llm))  # 13:45: afternoon
    avoided = set(llm.calls[0][1].avoid)
    assert {"moon", "stars", "night", "evening", "morning"} <= avoided
    assert not avoided & {"sun", "afternoon", "lunch"}


def test_seeds_follow_the_date_and_time(tmp_path: Path) -> None:
    def first_seed(moment: datetime) -> int | None:
        llm = FakeLLM(["no"])
        skill = ClockSkill(ClockSkill.Config(retries=0, decoding="free"))
        skill.run(fake_context(FixedClock(moment), tmp_path, llm=llm))
        return llm.calls[0][1].seed

    assert first_seed(MOMENT) == first_seed(MOMENT)
    assert first_seed(MOMENT) != first_seed(MOMENT + timedelta(days=1))


def test_the_bank_gives_examples_near_the_hour(tmp_path: Path) -> None:
    llm = FakeLLM(["no"])
    skill = ClockSkill(ClockSkill.Config(retries=0, decoding="free", hour_format="12h"))
    skill.run(fake_context(FixedClock(datetime(2026, 3, 14, 21, 40)), tmp_path, llm=llm))
    messages = llm.calls[0][0]
    shown = [m["content"] for m in messages[1:-1:2]]
    assert len(shown) == 3 and all(" PM." in text for text in shown)
    couplets = [m["content"] for m in messages[2:-1:2]]
    assert all(odd_for_hour(c, datetime(2026, 3, 14, 21, 40)) is None for c in couplets)
    assert llm.calls[0][1].fixed_prefix == len(messages) - 1


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("The sun is high above the town,", True),
        ("The moon is up above the town,", False),  # not at 13:45
        ("At 13:45 the sun is high,", False),  # the time belongs in line two
        ("A quarter of the sky is blue,", False),  # a time word
    ],
)
def test_fits(line: str, ok: bool) -> None:
    assert fits(line, MOMENT) is ok


def test_tidy_couplet_keeps_two_lines_with_single_spaces() -> None:
    text = '  "The stars are out,  so  bright,"\n\nIt\'s 21:15,  goodnight.\nMore chatter'
    assert tidy_couplet(text) == "The stars are out, so bright,\nIt's 21:15, goodnight."
