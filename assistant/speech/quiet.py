"""Quiet hours: a daily span of wall-clock time in which nothing is spoken aloud."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    """From `start` (inclusive) to `end` (exclusive), across midnight when end < start."""

    start: time
    end: time

    def __contains__(self, moment: time) -> bool:
        """Is the wall-clock time `moment` inside the span?"""
        at = moment.replace(tzinfo=None, second=0, microsecond=0)
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`"22:00-07:00"` -> QuietHours; `""` -> None; raise ValueError naming the problem."""
    if not text.strip():
        return None
    m = _SPAN.match(text)
    if m is None:
        raise ValueError(f"want 'HH:MM-HH:MM' like '22:00-07:00', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"not a time of day in {text!r} (hours 0-23, minutes 0-59)")
    span = QuietHours(time(h1, m1), time(h2, m2))
    if span.start == span.end:
        raise ValueError(f"quiet hours {text!r} start and end at the same time; use '' for none")
    return span
