"""Clock sanity: is the clock synchronised, and did it jump?"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import timesync
from assistant.service.jumps import JumpDetector
from assistant.service.timesync import (
    StaticSync,
    build_sync_check,
    kernel_synchronized,
    system_synchronized,
)


class Times:
    """Monotonic and wall time that a test moves by hand."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = 1_800_000_000.0

    def step(self, seconds: float, *, wall_jump: float = 0.0) -> None:
        self.mono += seconds
        self.wall += seconds + wall_jump


@pytest.fixture
def times() -> Times:
    return Times()


def detector(times: Times, threshold: float = 30.0) -> JumpDetector:
    return JumpDetector(threshold, monotonic=lambda: times.mono, wall=lambda: times.wall)


def test_time_passing_is_not_a_jump(times: Times) -> None:
    jumps = detector(times)
    for _ in range(100):
        times.step(1.0, wall_jump=0.01)  # NTP slewing: a little each second
        assert jumps.check() is None


@pytest.mark.parametrize("jump", [-2 * 3600.0, 3 * 86400.0, 31.0, -31.0])
def test_jumps_both_ways_are_reported_once(times: Times, jump: float) -> None:
    jumps = detector(times)
    times.step(1.0, wall_jump=jump)
    assert jumps.check() == pytest.approx(jump)
    times.step(1.0)
    assert jumps.check() is None


def test_a_step_below_the_threshold_is_ignored(times: Times) -> None:
    jumps = detector(times, threshold=60)
    times.step(1.0, wall_jump=59)
    assert jumps.check() is None


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("no", False), ("0", False)])
def test_the_override_wins(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("ASSISTANT_CLOCK_SYNC", value)
    assert system_synchronized() is expected


def test_timesyncd_flag_then_kernel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    flag = tmp_path / "synchronized"
    monkeypatch.delenv("ASSISTANT_CLOCK_SYNC", raising=False)
    monkeypatch.setattr(timesync, "TIMESYNCD_FLAG", flag)
    monkeypatch.setattr(timesync, "kernel_synchronized", lambda: False)
    monkeypatch.setattr(timesync, "ntp_client_running", lambda: True)
    assert system_synchronized() is False
    flag.touch()
    assert system_synchronized() is True
    flag.unlink()
    monkeypatch.setattr(timesync, "kernel_synchronized", lambda: None)
    assert system_synchronized() is False  # unknown is not synchronised
    monkeypatch.setattr(timesync, "ntp_client_running", lambda: False)
    assert system_synchronized() is True  # nobody will ever sync it: the host keeps the time


def test_the_kernel_answers() -> None:
    # adjtimex(2) in read-only mode works without privileges on Linux.
    assert kernel_synchronized() in (True, False)


def test_static_sync_is_the_fake() -> None:
    sync = StaticSync(False)
    assert sync() is False
    sync.synchronized = True
    assert sync() is True


def test_a_trusted_clock_is_always_synchronised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CLOCK_SYNC", "no")
    assert build_sync_check(True)() is True
    assert build_sync_check(False)() is False


def test_a_clock_nobody_syncs_is_trusted_one_being_synced_waits(tmp_path: Path) -> None:
    from assistant.service.timesync import ntp_client_running

    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "comm").write_text("python3\n")
    assert not ntp_client_running(tmp_path)
    (tmp_path / "2").mkdir()
    (tmp_path / "2" / "comm").write_text("systemd-timesyn\n")
    assert ntp_client_running(tmp_path)
