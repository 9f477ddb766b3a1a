"""Finds every time a text states and checks each against the real time."""

from __future__ import annotations

import re
from datetime import datetime

from assistant import CARDINALS

# HH:MM with an optional am/pm; digits glued to other digits or colons are not a time.
TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])(?:\s?([ap])\.?m\b\.?)?", re.IGNORECASE)
DIGITS = re.compile(r"\d")
# Words that tell a time without numerals: a listener would hear them as a time.
TIME_WORDS = frozenset(
    [w for w, n in CARDINALS.items() if n <= 50]
    + [
        "o'clock",
        "oclock",
        "noon",
        "midnight",
        "half",
        "quarter",
        "past",
    ]
)
WORD = re.compile(r"[a-z']+")


def time_forms(moment: datetime) -> tuple[str, str]:
    """Return the 24-hour ("13:45") and 12-hour ("1:45 PM") forms of a moment."""
    hour12 = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{moment.hour:02d}:{moment.minute:02d}", f"{hour12}:{moment.minute:02d} {suffix}"


def _matches(hour: int, minute: int, ampm: str | None, moment: datetime) -> bool:
    """True when one stated time denotes `moment`'s hour and minute."""
    if minute != moment.minute:
        return False
    hour12 = moment.hour % 12 or 12
    if ampm:
        return hour == hour12 and (ampm.lower() == "a") == (moment.hour < 12)
    return hour in (moment.hour, hour12)


def wrong_time(text: str, moment: datetime) -> str | None:
    """Return why `text` may state a wrong time, or None when every time in it is `moment`."""
    found = list(TIME.finditer(text))
    if not found:
        return "states no time in numerals"
    for match in found:
        hour, minute = int(match.group(1)), int(match.group(2))
        if not _matches(hour, minute, match.group(3), moment):
            return f"states {match.group(0).strip()!r}, not {time_forms(moment)[0]}"
    rest = TIME.sub(" ", text)
    if DIGITS.search(rest):
        return "has other numerals, which could be heard as a time"
    spoken = TIME_WORDS.intersection(WORD.findall(rest.lower()))
    if spoken:
        return f"tells time in words ({', '.join(sorted(spoken))})"
    return None
