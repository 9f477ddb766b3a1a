"""Is the wall clock synchronised? A Pi has no RTC and boots with a stale time until NTP."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

OVERRIDE_ENV = "ASSISTANT_CLOCK_SYNC"
TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
STA_UNSYNC = 0x0040
TIME_ERROR = 5
# The kernel's estimate of its own error, in microseconds; 16 s is its "unknown" ceiling.
MAX_ERROR_US = 16_000_000


class SyncCheck(Protocol):
    """Answers whether the wall clock is known to be right."""

    def __call__(self) -> bool:
        """True when the clock is synchronised."""


class _Timex(ctypes.Structure):
    """struct timex of adjtimex(2); only the leading fields are read, the tail is padding."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("padding", ctypes.c_byte * 256),
    ]


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def kernel_synchronized() -> bool | None:
    """Ask adjtimex(2) (modes 0: read only); None when the call is unavailable."""
    try:
        libc = _libc()
        timex = _Timex()
        state = libc.adjtimex(ctypes.byref(timex))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    unsync = bool(timex.status & STA_UNSYNC) or state == TIME_ERROR
    return not unsync and timex.maxerror < MAX_ERROR_US


NTP_CLIENTS = frozenset({"systemd-timesyn", "chronyd", "ntpd", "openntpd", "ntpdate", "sntp"})


def ntp_client_running(proc: Path = Path("/proc")) -> bool:
    """True when a process of a known NTP client runs (its comm name, cut to 15 characters)."""
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in NTP_CLIENTS:
                return True
        except OSError:  # the process ended while we looked
            continue
    return False


def system_synchronized() -> bool:
    """$ASSISTANT_CLOCK_SYNC (yes/no), timesyncd's flag, the kernel, else: is anyone syncing?"""
    override = os.environ.get(OVERRIDE_ENV, "").strip().lower()
    if override in {"yes", "1", "true"}:
        return True
    if override in {"no", "0", "false"}:
        return False
    if TIMESYNCD_FLAG.exists() or kernel_synchronized():
        return True
    # With no NTP client at all, nothing will ever mark this clock synchronised: it is kept
    # by a VM or container host (or by hand), so waiting would only stall the schedule.
    # A Pi without a real-time clock runs systemd-timesyncd, and so waits for it.
    return not ntp_client_running()


class StaticSync:
    """A fixed answer: a trusted clock, or the fake of `system_synchronized` in tests."""

    def __init__(self, synchronized: bool) -> None:
        self.synchronized = synchronized

    def __call__(self) -> bool:
        """Return the answer the test set."""
        return self.synchronized


def build_sync_check(trust_clock: bool) -> SyncCheck:
    """The check `[service] trust_clock` asks for: always yes, or ask the system."""
    return StaticSync(True) if trust_clock else system_synchronized
