"""Row 8: wall-clock jumps both ways, DST both ways and boot before NTP, with injected clocks."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.app import rebuild_app
from assistant.config import Config, SkillSettings
from assistant.journal import Journal
from assistant.runner import Runner
from assistant.scheduler import upcoming
from assistant.service.daemon import Daemon
from assistant.service.notify import Notifier
from assistant.service.timesync import StaticSync
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.testing import FakeSpeaker, FixedClock, fake_context
from skills.clock import UNSURE, ClockSkill
from tests.conftest import Times, wait_for
from tests.fakeapp import fake_app
from tests.reliability.helpers import report
from tests.skills import saying

UTC = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
WATCHDOG_USEC = 200_000
RUNS: list[float] = []


Minutely = saying("minutely", then=lambda: RUNS.append(time.monotonic()))


class Recorder(Notifier):
    """A notifier that keeps what it would send to systemd."""

    def __init__(self) -> None:
        super().__init__("@unused", WATCHDOG_USEC)
        self.sent: list[str] = []

    def send(self, *fields: str) -> bool:
        self.sent.extend(fields)
        return True


def make_daemon(
    tmp_path: Path, skills: list[ConfiguredSkill], times: Times, **kw: object
) -> Daemon:
    config = Config.model_validate(
        {
            "assistant": {"greeting": kw.pop("greeting", ""), "timezone": "UTC"},
            "service": {"control_socket": False, "sync_wait_s": kw.pop("sync_wait_s", 0)},
        }
    )
    speaker = kw.pop("speaker", FakeSpeaker())
    clock = kw.pop("clock", FixedClock(datetime.now(UTC)))
    app = fake_app(tmp_path, config, SkillPlan(skills, [], []), speaker, clock)
    return Daemon(
        app,
        rebuild=rebuild_app,
        notifier=Recorder(),
        monotonic=times.monotonic,
        wall=times.wall,
        sync=kw.pop("sync", StaticSync(True)),  # type: ignore[arg-type]
    )


def minutely() -> ConfiguredSkill:
    settings = SkillSettings(schedule="* * * * *", timeout_s=5, misfire_grace_s=300)
    return ConfiguredSkill(Minutely, settings, Minutely.Config(), True)


def ticks(daemon: Daemon, times: Times, n: int) -> int:
    """Run `n` main-loop turns 0.1 s apart; return the watchdog pings sent."""
    assert isinstance(daemon.notifier, Recorder)
    before = daemon.notifier.sent.count("WATCHDOG=1")
    for _ in range(n):
        times.mono += 0.1
        daemon.tick()
    return daemon.notifier.sent.count("WATCHDOG=1") - before


def test_jumps_forward_and_back_cause_no_burst_and_no_stall(
    tmp_path: Path, started: list[Daemon]
) -> None:
    RUNS.clear()
    times = Times(mono=1000.0)
    daemon = make_daemon(tmp_path, [minutely()], times)
    daemon.start()
    started.append(daemon)
    job = daemon.scheduler.get_job("minutely")
    assert ticks(daemon, times, 5) >= 2
    jumps = 0
    for _ in range(3):
        # Forward 3 days: every minutely run of those days is due at once.
        times.offset += 3 * 86400
        job.modify(next_run_time=datetime.now(UTC) - timedelta(days=3))
        before = len(RUNS)
        pings = ticks(daemon, times, 1)
        assert daemon.last_jump_s == pytest.approx(3 * 86400, abs=5)
        assert pings == 0  # the tick that sees a jump does not vouch for health
        assert wait_for(lambda b=before: len(RUNS) > b, 5), "the due run never came: a stall"
        time.sleep(0.5)
        assert len(RUNS) - before == 1, f"{len(RUNS) - before} catch-up runs: a burst"
        # Back 2 hours: reported, and the loop and its pings go on.
        times.offset -= 7200
        ticks(daemon, times, 1)
        assert daemon.last_jump_s == pytest.approx(-7200, abs=5)
        assert ticks(daemon, times, 5) >= 2, "watchdog pings stalled after the jump"
        assert daemon.problem is None
        jumps += 2
    report("row 8 jumps", jumps=jumps, catch_up_runs_per_3_days=1, stalls=0)


def test_after_a_step_back_a_frequent_schedule_is_not_silent(
    tmp_path: Path, started: list[Daemon]
) -> None:
    times = Times(mono=1000.0)
    daemon = make_daemon(tmp_path, [minutely()], times)
    daemon.start()
    started.append(daemon)
    job = daemon.scheduler.get_job("minutely")
    # As computed one minute before the wall clock stepped back 2 hours.
    job.modify(next_run_time=datetime.now(UTC) + timedelta(hours=2, minutes=1))
    times.offset -= 7200
    ticks(daemon, times, 1)
    assert job.next_run_time <= datetime.now(UTC) + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("schedule", "every"), [("0 * * * *", 60), ("*/15 * * * *", 15), ("30 1 * * *", 1440)]
)
def test_dst_both_ways_neither_repeats_nor_skips(schedule: str, every: int) -> None:
    settings = SkillSettings(schedule=schedule)
    plan = SkillPlan([ConfiguredSkill(Minutely, settings, Minutely.Config(), True)], [], [])
    checked = 0
    all_gaps: list[float] = []
    for day in (
        datetime(2026, 3, 28, 12, tzinfo=LONDON),
        datetime(2026, 10, 24, 12, tzinfo=LONDON),
    ):
        runs = [t for t, _name in upcoming(plan, LONDON, day, hours=48)]
        # Sorted as instants: Python orders datetimes of one zone by wall time, ignoring fold.
        instants = sorted(t.astimezone(UTC) for t in runs)
        gaps = [(b - a).total_seconds() / 60 for a, b in pairwise(instants)]
        # No burst (two runs closer than the schedule says) and no stall (a gap beyond the
        # schedule plus the hour that DST adds or removes), in real elapsed time.
        assert len(set(instants)) == len(instants)
        # A daily run comes 23 or 25 hours after the last one on the days DST changes.
        shortest = every - 60 if every >= 1440 else every
        assert min(gaps) >= shortest and max(gaps) <= every + 60, (schedule, gaps)
        if every >= 60:
            assert len({t.replace(tzinfo=None) for t in runs}) == len(runs)
        checked += len(runs)
        all_gaps += gaps
    report(
        f"row 8 dst every={every}min",
        runs_checked=checked,
        min_gap_min=round(min(all_gaps)),
        max_gap_min=round(max(all_gaps)),
    )


def test_a_repeated_wall_clock_time_runs_once_for_two_runs_in_the_hour() -> None:
    settings = SkillSettings(schedule="0,30 1 * * *")
    plan = SkillPlan([ConfiguredSkill(Minutely, settings, Minutely.Config(), True)], [], [])
    runs = upcoming(plan, LONDON, datetime(2026, 10, 24, 12, tzinfo=LONDON), hours=24)
    assert [t.strftime("%H:%M") for t, _n in runs] == ["01:00", "01:30"]


class SyncFlag:
    """A clock-sync check the test flips."""

    def __init__(self) -> None:
        self.synced = False

    def __call__(self) -> bool:
        return self.synced


def test_boot_before_ntp_holds_runs_and_never_tells_an_unset_time(
    tmp_path: Path, started: list[Daemon]
) -> None:
    # The clock skill at many random moments of an unsynchronised clock: never a time.
    rng = random.Random(8)
    settings = SkillSettings(schedule="0 8 * * *", timeout_s=10)
    clock_skill = ConfiguredSkill(ClockSkill, settings, ClockSkill.Config(use_llm=False), True)
    speaker = FakeSpeaker()
    moments = [datetime(2026, 1, 1) + timedelta(minutes=rng.randrange(525_600)) for _ in range(50)]
    for moment in moments:
        clock = FixedClock(moment, UTC, synchronized=False)
        runner = Runner(
            SkillPlan([clock_skill], [], []),
            lambda _n, _c, clock=clock: fake_context(clock, tmp_path, speaker=speaker),
            Journal(None),
        )
        assert runner.run("clock").ok
    assert speaker.said == [UNSURE] * len(moments)
    # The daemon booted before NTP: the greeting says it is unsure, the schedule waits, and
    # starts once the clock is set.
    times = Times(mono=1000.0)
    sync = SyncFlag()
    greeted = FakeSpeaker()
    daemon = make_daemon(
        tmp_path,
        [clock_skill],
        times,
        greeting="clock",
        sync_wait_s=600,
        sync=sync,
        speaker=greeted,
        clock=FixedClock(datetime(2026, 6, 1, 9, 0), UTC, synchronized=False),
    )
    daemon.start()
    started.append(daemon)
    assert daemon.holding()
    assert wait_for(lambda: greeted.said == [UNSURE], 5), greeted.said
    ticks(daemon, times, 3)
    assert daemon.holding()
    sync.synced = True
    ticks(daemon, times, 1)
    assert not daemon.holding()
    report("row 8 before ntp", unsynced_runs=len(moments) + 1, times_told=0, held_until_sync=1)
