"""Admission: memory, heat, throttling and a briefing under way defer heavy jobs (sensor files
injected; vcgencmd a real script)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.admission import Admission, Limits, Sensors, judge, read_sensors
from assistant.service.text import status_text

MEMINFO = "MemTotal:        3884000 kB\nMemAvailable:    {kb} kB\n"


def sensors(tmp_path: Path, *, mem_kb: int = 2_000_000, temp: str | None = "52000",
            throttled: str | None = "0", vcgencmd: str | None = None) -> Sensors:  # fmt: skip
    (tmp_path / "meminfo").write_text(MEMINFO.format(kb=mem_kb))
    if temp is not None:
        (tmp_path / "temp").write_text(temp + "\n")
    if throttled is not None:
        (tmp_path / "get_throttled").write_text(throttled + "\n")
    return Sensors(tmp_path / "meminfo", tmp_path / "temp", tmp_path / "get_throttled", vcgencmd)


def test_a_cool_idle_pi_with_memory_admits(tmp_path: Path) -> None:
    verdict = Admission(Limits(), sensors(tmp_path)).check()
    assert verdict.admit and verdict.reasons == []
    assert (verdict.reading.mem_available_mb, verdict.reading.temp_c) == (1953.1, 52.0)
    assert verdict.reading.throttled is False


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"mem_kb": 100_000}, "only 98 MiB available (< 200)"),
        ({"temp": "81234"}, "SoC at 81.2 C (>= 80)"),
        ({"throttled": "50005"}, "the SoC is throttled (get_throttled)"),
    ],
)
def test_each_reason_defers(tmp_path: Path, kw: dict[str, object], reason: str) -> None:
    verdict = Admission(Limits(), sensors(tmp_path, **kw)).check()  # type: ignore[arg-type]
    assert not verdict.admit and verdict.reasons == [reason]


def test_past_throttling_alone_does_not_defer(tmp_path: Path) -> None:
    # 0x50000: under-voltage and throttling happened since boot, neither now.
    assert Admission(Limits(), sensors(tmp_path, throttled="50000")).check().admit


def test_a_briefing_under_way_defers(tmp_path: Path) -> None:
    verdict = Admission(Limits(), sensors(tmp_path), busy=lambda: ["briefing"]).check()
    assert verdict.reasons == ["briefing is being prepared or spoken"]
    assert verdict.to_json()["busy"] == ["briefing"]


def test_vcgencmd_answers_when_sysfs_has_no_file(tmp_path: Path) -> None:
    script = tmp_path / "vcgencmd"
    script.write_text('#!/bin/sh\n[ "$1" = get_throttled ] && echo "throttled=0x4"\n')
    script.chmod(0o755)
    reading = read_sensors(sensors(tmp_path, throttled=None, vcgencmd=str(script)))
    assert reading.throttled is True


def test_no_sensors_means_no_reason(tmp_path: Path) -> None:
    reading = read_sensors(sensors(tmp_path, temp=None, throttled=None, vcgencmd=None))
    assert (reading.temp_c, reading.throttled) == (None, None)
    assert judge(reading, Limits()).admit


def test_wait_defers_until_the_sensors_clear_and_is_bounded(tmp_path: Path) -> None:
    found = sensors(tmp_path, temp="85000")
    told: list[list[str]] = []

    def cool_down(_seconds: float) -> None:
        if len(told) == 2:
            (tmp_path / "temp").write_text("60000\n")

    admission = Admission(Limits(), found, sleep=cool_down)
    verdict = admission.wait(60, poll_s=5, on_wait=lambda v: told.append(v.reasons))
    assert verdict.admit and len(told) == 2
    (tmp_path / "temp").write_text("90000\n")
    slept: list[float] = []
    stuck = Admission(Limits(), found, sleep=slept.append).wait(12, poll_s=5)
    assert not stuck.admit and slept == [5, 5, 5]  # 15 s >= 12: goes ahead anyway


def test_status_says_whether_heavy_jobs_wait() -> None:
    base = {"pid": 1, "uptime_s": 5, "clock": {}}
    waiting = {"admit": False, "reasons": ["briefing is being prepared or spoken"]}
    assert "heavy jobs (indexing): wait: briefing is being prepared" in status_text(
        {**base, "admission": waiting}
    )
    free = {"admit": True, "reasons": []}
    assert "heavy jobs (indexing): may start" in status_text({**base, "admission": free})
