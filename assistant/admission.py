"""Admission on a Pi: before a heavy job (indexing, embedding) look at free memory, the SoC's
temperature and throttling, and whether a briefing is being prepared or spoken; defer if not."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.procmem import KIB, _kib_fields

log = logging.getLogger(__name__)
# get_throttled bits that mean "now": under-voltage, frequency capped, throttled, soft limit.
THROTTLED_NOW = 0xF


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
