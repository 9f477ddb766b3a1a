"""The hour-sense judge: scenery that fits the hour, across all 24 of them."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.quality.hoursense import (
    hour_band,
    hour_sense,
    odd_for_hour,
    odd_vocabulary,
    odd_words,
)

MOON = "The stars are out and the moon shines bright"
SUNRISE = "The dawn has broken, the morning is here"
NOONDAY = "The sun is high, the afternoon is warm"
DUSK = "The sunset glows, the evening calls"
PLAIN = "The clock is ticking, the kettle sings"
# Expected oddness of each line at each hour: from the band table in the module docstring.
ODD = {
    MOON: {*range(7, 17)},
    SUNRISE: {*range(0, 5), *range(12, 24)},
    NOONDAY: {*range(0, 5), *range(5, 7), *range(17, 24), *range(7, 12)},
    DUSK: {*range(0, 5), *range(5, 7), *range(7, 12), *range(12, 17)},
    PLAIN: set(),
}


@pytest.mark.parametrize("hour", range(24))
@pytest.mark.parametrize("text", list(ODD))
def test_every_hour(text: str, hour: int) -> None:
    moment = datetime(2026, 6, 1, hour, 30)
    assert (odd_for_hour(text, moment) is not None) == (hour in ODD[text])
    assert (hour_sense(text, hour) < 1.0) == (hour in ODD[text])


@pytest.mark.parametrize(
    ("hour", "band"),
    [(0, "night"), (4, "night"), (5, "dawn"), (7, "morning"), (12, "afternoon"),
     (17, "evening"), (20, "evening"), (21, "late"), (23, "late")],
)  # fmt: skip
def test_bands(hour: int, band: str) -> None:
    assert hour_band(hour) == band


def test_the_issue_examples() -> None:
    assert odd_for_hour("At 09:05 the moon shines bright", datetime(2026, 1, 1, 9, 5)) == (
        "moon at 09:05 (morning)"
    )
    assert odd_words("The dawn has broken, the morning's here", 21) == ["dawn", "morning"]


def test_score_drops_with_each_odd_word() -> None:
    assert hour_sense(PLAIN, 9) == 1.0
    assert hour_sense("moon and stars", 9) == pytest.approx(1 / 3)


@pytest.mark.parametrize("hour", range(24))
def test_the_odd_vocabulary_is_what_the_judge_rejects(hour: int) -> None:
    vocabulary = odd_vocabulary(hour)
    assert all(odd_words(word, hour) == [word] for word in vocabulary)
    for text, odd_hours in ODD.items():
        said = set(text.lower().split())
        assert bool(said & vocabulary) == (hour in odd_hours)
