"""Five-field cron strings with classic cron meaning: validation and the next fire times."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
NUMERIC_TERM = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")


def classic_weekdays(field: str) -> str:
    """Translate a cron day-of-week field (0 or 7 = Sunday) into APScheduler 3.x day names.

    APScheduler 3.x counts 0 as Monday, so "1-5" would silently mean Tuesday to Saturday.
    """
    days: list[int] = []
    for term in field.split(","):
        match = NUMERIC_TERM.match(term)
        if match is None:
            return field  # day names mean the same in cron and APScheduler
        span, step = match.group(1), int(match.group(2) or 1)
        if span == "*":
            lo, hi = 0, 6
        else:
            first, _, last = span.partition("-")
            lo, hi = int(first), int(last or first)
        if not (0 <= lo <= 7 and 0 <= hi <= 7 and lo <= hi and step >= 1):
            raise ValueError(f"bad day of week {term!r}")
        days += [d % 7 for d in range(lo, hi + 1, step)]
    if field == "*":
        return "*"
    return ",".join(DAY_NAMES[d] for d in sorted(set(days)))


class WallClockCronTrigger(CronTrigger):  # type: ignore[misc]
    """A cron trigger that fires once per wall-clock time, as cron does.

    When clocks go back, 01:30 happens twice; plain APScheduler would run the job twice.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next fire time whose wall-clock reading differs from the previous one."""
        moment: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while (
            moment is not None
            and previous_fire_time is not None
            # <=, not ==: with two runs in the repeated hour, 01:00 must not come back either.
            and moment.replace(tzinfo=None) <= previous_fire_time.replace(tzinfo=None)
        ):
            moment = super().get_next_fire_time(moment, moment)
        return moment


def build_trigger(expr: str, tz: tzinfo, start: datetime | None = None) -> CronTrigger:
    """Build an APScheduler trigger from a 5-field cron string; raise ValueError if it is bad."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"bad cron string {expr!r}: want 5 fields, got {len(fields)}")
    minute, hour, day, month, weekday = fields
    try:
        return WallClockCronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=classic_weekdays(weekday),
            timezone=tz,
            start_date=start,
        )
    except (ValueError, KeyError) as exc:
        raise ValueError(f"bad cron string {expr!r}: {exc}") from None


def check_cron(expr: str) -> str:
    """Return `expr` if it is a valid 5-field cron string, else raise ValueError."""
    build_trigger(expr, UTC)
    return expr


def never_fires(expr: str, tz: tzinfo, start: datetime, years: int = 30) -> bool:
    """True when `expr` has no fire time in the next `years` (say "0 0 30 2 *", Feb 30).

    Thirty years cover every weekday/leap-day combination ("0 0 29 2 1" fires in 2044).
    """
    moment = build_trigger(expr, tz, start).get_next_fire_time(None, start)
    return moment is None or moment > start + timedelta(days=366 * years)


def fire_times(expr: str, tz: tzinfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """Yield the fire times of `expr` in [start, end)."""
    trigger = build_trigger(expr, tz, start)
    previous: datetime | None = None
    while True:
        moment = trigger.get_next_fire_time(previous, previous or start)
        if moment is None or moment >= end:
            return
        yield moment
        previous = moment
