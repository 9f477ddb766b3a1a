"""Where the daemon gets the time: a protocol, the system clock, and timezone resolution."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

import tzlocal

from assistant.service.timesync import SyncCheck, system_synchronized


class Clock(Protocol):
    """Tells the current wall-clock time as an aware datetime."""

    @property
    def tz(self) -> tzinfo:
        """The timezone in which times are told."""

    def now(self) -> datetime:
        """Return the current time, aware, in `tz`."""

    def synchronized(self) -> bool:
        """True when the time is known to be right (set from the network, or given)."""


def load_timezone(name: str) -> tzinfo:
    """Return the IANA zone `name`, or the system's zone when `name` is empty."""
    if name:
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            # "America" is a folder of zones: tzdata raises IsADirectoryError for it.
            raise ValueError(f"unknown IANA timezone {name!r}") from None
    zone: tzinfo = tzlocal.get_localzone()
    return zone


def zone_name(tz: tzinfo) -> str:
    """The zone's IANA name when it has one ("Europe/London"), else what it calls itself."""
    return str(getattr(tz, "key", None) or tz)


def format_moment(moment: datetime, tz: tzinfo | None = None) -> str:
    """A run time as people read it, in `tz` (default: its own), e.g. "Mon 2026-11-30 07:30 GMT"."""
    local = moment.astimezone(tz) if tz is not None else moment
    return f"{local:%a %Y-%m-%d %H:%M %Z}"


class SystemClock:
    """The real clock of this machine; it may be wrong until NTP sets it (a Pi has no RTC)."""

    def __init__(self, tz: tzinfo, sync: SyncCheck = system_synchronized) -> None:
        self._tz = tz
        self._sync = sync

    @property
    def tz(self) -> tzinfo:
        """The timezone in which times are told."""
        return self._tz

    def now(self) -> datetime:
        """Return the current time in `tz`."""
        return datetime.now(self._tz)

    def synchronized(self) -> bool:
        """True when the system clock is synchronised."""
        return self._sync()


class FixedClock:
    """A clock stopped at one moment (`run-skill --at`, tests)."""

    def __init__(
        self, moment: datetime, tz: tzinfo | None = None, *, synchronized: bool = True
    ) -> None:
        zone = tz or moment.tzinfo or load_timezone("")
        # A naive moment means wall time in the configured zone, as a user would read it.
        self._moment = (
            moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
        )
        self._tz = zone
        self._synchronized = synchronized

    @property
    def tz(self) -> tzinfo:
        """The timezone in which times are told."""
        return self._tz

    def now(self) -> datetime:
        """Return the fixed moment."""
        return self._moment

    def synchronized(self) -> bool:
        """A given moment is a fact, unless the test says otherwise."""
        return self._synchronized
