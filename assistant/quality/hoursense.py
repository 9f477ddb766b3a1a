"""The hour-sense judge: does the scenery of a text fit the hour it is said at?

The day is cut into bands by the hour on the wall clock:

| band      | hours       | odd there                                            |
|-----------|-------------|------------------------------------------------------|
| night     | 00-04       | dawn and morning, noon and afternoon, sun, dusk      |
| dawn      | 05-06       | noon and afternoon, dusk and evening                 |
| morning   | 07-11       | moon, stars and night, dusk and evening, afternoon   |
| afternoon | 12-16       | moon, stars and night, dusk and evening, dawn/morning|
| evening   | 17-20       | dawn and morning, noon and afternoon                 |
| late      | 21-23       | dawn and morning, noon and afternoon, sun            |

A word judge cannot read negation ("the morning's gone" at 12:05 is fine), so it errs on the
side of rejecting: the cascade simply samples another line.
"""

from __future__ import annotations

import re
from datetime import datetime

NIGHT = frozenset(
    [
        "moon",
        "moons",
        "moonlight",
        "moonlit",
        "moonbeam",
        "moonbeams",
        "moonrise",
        "star",
        "stars",
        "starry",
        "starlight",
        "starlit",
        "night",
        "nights",
        "nighttime",
        "tonight",
        "goodnight",
        "midnight",
        "bedtime",
    ]
)
DUSK = frozenset(
    ["dusk", "sunset", "sundown", "twilight", "evening", "evenings", "nightfall", "eventide"]
)
DAWN = frozenset(
    ["dawn", "dawning", "sunrise", "sunup", "daybreak", "morning", "mornings", "morn", "breakfast"]
)
NOON = frozenset(["noon", "midday", "afternoon", "afternoons", "lunch", "lunchtime", "noontime"])
SUN = frozenset(
    ["sun", "sunny", "sunshine", "sunlight", "sunlit", "sunbeam", "sunbeams", "daylight", "daytime"]
)
CATEGORIES = {"night": NIGHT, "dusk": DUSK, "dawn": DAWN, "noon": NOON, "sun": SUN}

BANDS: tuple[tuple[str, range, frozenset[str]], ...] = (
    ("night", range(0, 5), frozenset({"dawn", "noon", "sun", "dusk"})),
    ("dawn", range(5, 7), frozenset({"noon", "dusk"})),
    ("morning", range(7, 12), frozenset({"night", "dusk"})),
    ("afternoon", range(12, 17), frozenset({"night", "dusk", "dawn"})),
    ("evening", range(17, 21), frozenset({"dawn", "noon"})),
    ("late", range(21, 24), frozenset({"dawn", "noon", "sun"})),
)
# "afternoon" is the one noon word that is odd in the morning; "noon" itself is a time word
# the clock's time check already rejects.
MORNING_ODD = frozenset({"afternoon", "afternoons"})
WORD = re.compile(r"[a-z]+")


def hour_band(hour: int) -> str:
    """The name of the band an hour (0-23) falls in."""
    return next(name for name, hours, _ in BANDS if hour in hours)


def odd_vocabulary(hour: int) -> frozenset[str]:
    """Every word that is odd at `hour` (0-23)."""
    _, _, odd = next(band for band in BANDS if hour in band[1])
    banned = frozenset().union(*(CATEGORIES[c] for c in odd))
    return banned | MORNING_ODD if hour in range(7, 12) else banned


def odd_words(text: str, hour: int) -> list[str]:
    """The words of `text` that are odd at `hour` (0-23), in order of appearance."""
    banned = odd_vocabulary(hour)
    return [w for w in WORD.findall(text.lower()) if w in banned]


def odd_for_hour(text: str, moment: datetime) -> str | None:
    """A contract check: why `text` does not fit the hour of `moment`, or None when it does."""
    odd = odd_words(text, moment.hour)
    if not odd:
        return None
    return f"{', '.join(dict.fromkeys(odd))} at {moment:%H:%M} ({hour_band(moment.hour)})"


def hour_sense(text: str, hour: int) -> float:
    """A score: 1.0 when nothing in `text` is odd at `hour`, less for each odd word."""
    return 1.0 / (1 + len(odd_words(text, hour)))
