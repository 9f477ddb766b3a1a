"""Admission on a Pi: before a heavy job (indexing, embedding) look at free memory, the SoC's
temperature and throttling, and whether a briefing is being prepared or spoken; defer if not.
Heavy embedding is also held back batch by batch while it runs (EmbedGate)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.procmem import KIB, _kib_fields

log = logging.getLogger(__name__)
# get_throttled bits that mean "now": under-voltage, frequency capped, throttled, soft limit.
THROTTLED_NOW = 0xF
# The skill whose run this thread is doing (set by the runner in each skill's thread): a
# briefing's own embedding is never held back for that briefing.
ON_BEHALF_OF: ContextVar[str | None] = ContextVar("on_behalf_of", default=None)


@dataclass(frozen=True)
class Sensors:
    """Where the readings come from; tests point these at files of their own."""

    meminfo: Path = Path("/proc/meminfo")
    temperature: Path = Path("/sys/class/thermal/thermal_zone0/temp")
    throttled: Path = Path("/sys/devices/platform/soc/soc:firmware/get_throttled")
    vcgencmd: str | None = "vcgencmd"


@dataclass(frozen=True)
class Limits:
    """When a heavy job must wait."""

    min_mem_mb: float = 200.0
    max_temp_c: float = 80.0

    @classmethod
    def from_section(cls, section: Any) -> Limits:
        """The `[service] admission_*` keys."""
        return cls(section.admission_min_mem_mb, section.admission_max_temp_c)


@dataclass(frozen=True)
class Reading:
    """What the sensors said; None where this machine has no such sensor."""

    mem_available_mb: float | None
    temp_c: float | None
    throttled: bool | None
    busy: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    """Whether a heavy job may start now, and if not, why (one reason a line)."""

    admit: bool
    reasons: list[str]
    reading: Reading

    def to_json(self) -> dict[str, Any]:
        """For `status`: admit, reasons, and the readings."""
        return {"admit": self.admit, "reasons": self.reasons, **asdict(self.reading)}


def read_mem_mb(path: Path) -> float | None:
    """MemAvailable in MiB, or None when unreadable."""
    try:
        value = _kib_fields(path).get("MemAvailable")
    except (OSError, ValueError):
        return None
    return None if value is None else round(value / KIB / KIB, 1)


def read_temp_c(path: Path) -> float | None:
    """The thermal zone's temperature in degrees Celsius (the file holds millidegrees)."""
    try:
        return round(int(path.read_text().strip()) / 1000, 1)
    except (OSError, ValueError):
        return None


def read_throttled(path: Path, vcgencmd: str | None) -> bool | None:
    """True while the firmware throttles (or caps, or sees under-voltage), None if unknown."""
    raw = None
    try:
        raw = path.read_text().strip()
    except OSError:
        binary = shutil.which(vcgencmd) if vcgencmd else None
        if binary is not None:
            try:
                done = subprocess.run(
                    [binary, "get_throttled"], capture_output=True, text=True, timeout=2, check=True
                )
                raw = done.stdout.strip().partition("=")[2]  # "throttled=0x50005"
            except (OSError, subprocess.SubprocessError):
                raw = None
    if not raw:
        return None
    try:
        return bool(int(raw, 16) & THROTTLED_NOW)
    except ValueError:
        return None


def read_sensors(sensors: Sensors, busy: list[str] | None = None) -> Reading:
    """All readings now."""
    return Reading(
        read_mem_mb(sensors.meminfo),
        read_temp_c(sensors.temperature),
        read_throttled(sensors.throttled, sensors.vcgencmd),
        list(busy or []),
    )


def judge(reading: Reading, limits: Limits) -> Verdict:
    """Admit unless memory is short, the SoC is hot or throttled, or a briefing is under way."""
    reasons = [f"{name} is being prepared or spoken" for name in reading.busy]
    if reading.mem_available_mb is not None and reading.mem_available_mb < limits.min_mem_mb:
        reasons.append(
            f"only {reading.mem_available_mb:.0f} MiB available (< {limits.min_mem_mb:.0f})"
        )
    if reading.temp_c is not None and reading.temp_c >= limits.max_temp_c:
        reasons.append(f"SoC at {reading.temp_c:.1f} C (>= {limits.max_temp_c:.0f})")
    if reading.throttled:
        reasons.append("the SoC is throttled (get_throttled)")
    return Verdict(not reasons, reasons, reading)


class Admission:
    """Decides whether a heavy job may start; waits (bounded) until it may."""

    def __init__(
        self,
        limits: Limits,
        sensors: Sensors | None = None,
        busy: Callable[[], list[str]] = list,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits
        self.sensors = sensors or Sensors()
        self.busy = busy
        self.sleep = sleep

    def check(self) -> Verdict:
        """The verdict now."""
        return judge(read_sensors(self.sensors, self.busy()), self.limits)

    def wait(
        self,
        max_wait_s: float,
        poll_s: float = 5.0,
        on_wait: Callable[[Verdict], None] = lambda _v: None,
        stop: threading.Event | None = None,
    ) -> Verdict:
        """Wait until admitted or `max_wait_s` passed (then the job goes ahead, more slowly
        for the machine but never starved); return the last verdict."""
        waited = 0.0
        verdict = self.check()
        while not verdict.admit and waited < max_wait_s and not (stop and stop.is_set()):
            on_wait(verdict)
            self.sleep(poll_s)
            waited += poll_s
            verdict = self.check()
        if not verdict.admit:
            log.warning("starting anyway after %.0fs: %s", waited, "; ".join(verdict.reasons))
        return verdict


class EmbedGate:
    """Holds heavy embedding back: each batch waits while admission says no, at most
    `max_wait_s` in all per job; then the job goes on slowed (a rest as long as each batch)."""

    def __init__(
        self,
        limits: Limits | None = None,
        max_wait_s: float = 600.0,
        *,
        sensors: Sensors | None = None,
        sleep: Callable[[float], None] = time.sleep,
        poll_s: float = 2.0,
    ) -> None:
        # What counts as a briefing under way; the daemon (or `index`) plugs in its own.
        self.busy: Callable[[], list[str]] = list
        self.stop = threading.Event()
        self.admission = Admission(limits or Limits(), sensors, self._busy, sleep)
        self.max_wait_s = max_wait_s
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._admitted_at = -1e9
        self._state: dict[str, Any] = {"state": "idle", "reasons": [], "deferred_s": 0.0,
                                       "slowed_batches": 0}  # fmt: skip

    def state(self) -> dict[str, Any]:
        """For `status`: idle, running, deferred or slowed, why, and the totals so far."""
        with self._lock:
            return {**self._state, "reasons": list(self._state["reasons"])}

    @contextmanager
    def job(self) -> Iterator[Callable[[float], None]]:
        """One heavy job; yields the function to call before each batch. A briefing's own
        embedding (its exemplars, a store it opens) is never held back: that would make it late."""
        own = ON_BEHALF_OF.get()
        if own is not None and own in self.busy():
            yield lambda _took: None
            return
        left = [self.max_wait_s]
        try:
            yield lambda took: self._before_batch(left, took)
        finally:
            self._set("idle", [])

    def _before_batch(self, left: list[float], took: float) -> None:
        """Wait while not admitted (from the job's budget `left`); past it, rest `took`.
        An admission less than `poll_s` old stands (asking a daemon each batch costs)."""
        if time.monotonic() - self._admitted_at < self.poll_s:
            return
        verdict = self.admission.check()
        while not verdict.admit and left[0] > 0 and not self.stop.is_set():
            self._set("deferred", verdict.reasons)
            pause = min(self.poll_s, left[0])
            self.admission.sleep(pause)
            left[0] -= pause
            self._add("deferred_s", pause)
            verdict = self.admission.check()
        if verdict.admit or self.stop.is_set():
            self._admitted_at = time.monotonic() if verdict.admit else -1e9
            self._set("running", [])
            return
        self._set("slowed", verdict.reasons)
        self._add("slowed_batches", 1)
        self.admission.sleep(took)

    def _busy(self) -> list[str]:
        """What `busy` says now (read at each check: the daemon sets it after building us)."""
        return self.busy()

    def _set(self, state: str, reasons: list[str]) -> None:
        with self._lock:
            changed = (state, reasons) != (self._state["state"], self._state["reasons"])
            self._state.update(state=state, reasons=list(reasons))
        if changed and state in ("deferred", "slowed"):
            log.warning("heavy embedding %s: %s", state, "; ".join(reasons))

    def _add(self, key: str, amount: float) -> None:
        with self._lock:
            self._state[key] = round(self._state[key] + amount, 3)
