"""The time validator: every time a text states must be the real time."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills._lib.timecheck import time_forms, wrong_time
from skills.clock import FALLBACKS

AT_1345 = datetime(2026, 3, 14, 13, 45)


@pytest.mark.parametrize(
    "text",
    [
        "The sun is high, the day is fine,\nit's 13:45, right on line.",
        "At 1:45 the tea is hot,\nso sit right down and drink a lot.",
        "It is 1:45 PM, hooray,\nthe afternoon is on its way.",
        "It is 1:45 p.m. today.",
        "Hear the bells at 13:45 and 1:45!",
    ],
)
def test_accepts_the_right_time(text: str) -> None:
    assert wrong_time(text, AT_1345) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("No time here at all, just a rhyme.", "states no time"),
        ("It's 13:40 and all is well.", "not 13:45"),
        ("It's 12:45, time for bed.", "not 13:45"),
        ("It's 1:45 AM, go to sleep.", "not 13:45"),
        ("It's 13:45, and 3 bells ring.", "other numerals"),
        ("It's 13:45:10 precisely.", "states no time"),
        ("It's 13:45, a quarter to two.", "in words"),
        ("It's 13:45 or half past one.", "in words"),
        ("It's 13:45, twelve o'clock is gone.", "in words"),
        ("The time is 13.45 now.", "states no time"),
    ],
)
def test_rejects_anything_that_may_be_a_wrong_time(text: str, why: str) -> None:
    reason = wrong_time(text, AT_1345)
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    ("hour", "minute", "h24", "h12"),
    [(0, 5, "00:05", "12:05 AM"), (12, 0, "12:00", "12:00 PM"), (23, 59, "23:59", "11:59 PM")],
)
def test_time_forms(hour: int, minute: int, h24: str, h12: str) -> None:
    assert time_forms(datetime(2026, 1, 1, hour, minute)) == (h24, h12)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_fallbacks_always_pass_in_both_forms(moment: datetime) -> None:
    for form in time_forms(moment):
        for template in FALLBACKS:
            assert wrong_time(template.format(form), moment) is None


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_any_other_time_is_rejected(moment: datetime, hour: int, minute: int) -> None:
    stated = f"{hour:02d}:{minute:02d}"
    if (hour, minute) == (moment.hour, moment.minute) or (
        minute == moment.minute and hour == (moment.hour % 12 or 12)
    ):
        return
    assert wrong_time(f"It is {stated} now.", moment) is not None
