"""The schedule: job options spelled out, and the next 24 hours listed."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.config import SkillSettings
from assistant.cron import check_cron, classic_weekdays
from assistant.journal import Journal
from assistant.runner import Runner
from assistant.scheduler import build_scheduler, upcoming
from assistant.skill import Reply, Skill, SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.testing import FixedClock, fake_context
from tests.skills import saying

LONDON = ZoneInfo("Europe/London")
RAN = threading.Event()


Tick = saying("tick", "tick", schedule="*/15 * * * *", then=RAN.set)


class Stuck(Skill):
    """Never returns within its limit."""

    name = "stuck"

    def run(self, ctx: SkillContext) -> Reply:
        time.sleep(5)
        return Reply(text="late")


def configured(cls: type[Skill], **settings: object) -> ConfiguredSkill:
    return ConfiguredSkill(cls, SkillSettings.model_validate(settings), cls.Config(), True)


def test_one_job_per_enabled_scheduled_skill(tmp_path: Path) -> None:
    plan = SkillPlan(
        [
            configured(Tick, misfire_grace_s=42),
            ConfiguredSkill(Stuck, SkillSettings(schedule="0 7 * * *"), Stuck.Config(), False),
        ],
        [],
        [],
    )
    runner = Runner(
        plan, lambda _n, _c: fake_context(FixedClock(datetime(2026, 1, 1)), tmp_path), Journal(None)
    )
    scheduler = build_scheduler(plan, runner, LONDON)
    jobs = scheduler.get_jobs()
    assert [j.id for j in jobs] == ["tick"]
    job = jobs[0]
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 42)


def test_a_stuck_skill_does_not_delay_another(tmp_path: Path) -> None:
    RAN.clear()
    plan = SkillPlan(
        [configured(Stuck, timeout_s=0.5, schedule="* * * * *"), configured(Tick)], [], []
    )
    runner = Runner(
        plan, lambda _n, _c: fake_context(FixedClock(datetime(2026, 1, 1)), tmp_path), Journal(None)
    )
    scheduler = build_scheduler(plan, runner, LONDON)
    scheduler.start()
    try:
        scheduler.add_job(runner.run, args=["stuck"], id="now-stuck")
        scheduler.add_job(runner.run, args=["tick"], id="now-tick")
        assert RAN.wait(2), "tick did not run while stuck was hanging"
    finally:
        scheduler.shutdown(wait=False)


def test_upcoming_lists_the_next_day_in_order() -> None:
    plan = SkillPlan(
        [configured(Tick, schedule="30 7 * * *"), configured(Stuck, schedule="0 */6 * * *")], [], []
    )
    start = datetime(2026, 3, 14, 8, 0, tzinfo=LONDON)
    runs = upcoming(plan, LONDON, start)
    assert [(t.strftime("%d %H:%M"), n) for t, n in runs] == [
        ("14 12:00", "stuck"),
        ("14 18:00", "stuck"),
        ("15 00:00", "stuck"),
        ("15 06:00", "stuck"),
        ("15 07:30", "tick"),
    ]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 01:30 happens twice in London on 2026-10-25; cron runs it once, and so do we.
        (datetime(2026, 10, 24, 12, 0), ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]),
        # 01:30 does not exist in London on 2026-03-29: the run happens at 02:30 BST instead.
        (datetime(2026, 3, 28, 12, 0), ["2026-03-29T01:30:00+00:00", "2026-03-30T01:30:00+01:00"]),
    ],
    ids=["clocks-go-back-no-repeat", "clocks-go-forward-no-skip"],
)
def test_clock_changes_neither_repeat_nor_skip_a_run(start: datetime, expected: list[str]) -> None:
    plan = SkillPlan([configured(Tick, schedule="30 1 * * *")], [], [])
    runs = upcoming(plan, LONDON, start.replace(tzinfo=LONDON), hours=48)
    assert [t.isoformat() for t, _n in runs] == expected


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("*", "*"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("0,6", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("mon-fri", "mon-fri"),
    ],
)
def test_weekdays_keep_their_classic_cron_meaning(field: str, days: str) -> None:
    assert classic_weekdays(field) == days


def test_weekday_schedule_fires_monday_to_friday() -> None:
    plan = SkillPlan([configured(Tick, schedule="30 7 * * 1-5")], [], [])
    runs = upcoming(plan, LONDON, datetime(2026, 3, 14, 8, 0, tzinfo=LONDON), hours=7 * 24)
    assert [t.strftime("%a") for t, _n in runs] == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_bad_weekdays_are_rejected() -> None:
    with pytest.raises(ValueError, match="bad"):
        check_cron("0 7 * * 8")


COUNT: list[float] = []


Counter = saying("counter", then=lambda: COUNT.append(time.monotonic()))


def test_a_jump_forward_of_three_days_runs_a_missed_job_at_most_once(tmp_path: Path) -> None:
    COUNT.clear()
    plan = SkillPlan([configured(Counter, schedule="* * * * *", misfire_grace_s=300)], [], [])
    runner = Runner(
        plan, lambda _n, _c: fake_context(FixedClock(datetime(2026, 1, 1)), tmp_path), Journal(None)
    )
    scheduler = build_scheduler(plan, runner, LONDON)
    # The 1.5 s window must not hold a minute boundary: that run would be a legitimate second.
    while datetime.now().second >= 57:
        time.sleep(0.2)
    scheduler.start(paused=True)
    try:
        # As after the clock stepped three days forward: 4320 minutely runs were missed.
        job = scheduler.get_job("counter")
        job.modify(next_run_time=datetime.now(LONDON) - timedelta(days=3))
        scheduler.resume()
        time.sleep(1.5)
    finally:
        scheduler.shutdown(wait=False)
    assert len(COUNT) == 1, f"{len(COUNT)} catch-up runs"  # coalesced into one, not lost
    assert job.next_run_time is None or job.next_run_time > datetime.now(LONDON) - timedelta(
        minutes=1
    )


def test_a_reload_adds_replaces_and_removes_jobs(tmp_path: Path) -> None:
    from assistant.scheduler import schedule_skills

    old = SkillPlan([configured(Tick), configured(Stuck, schedule="0 7 * * *")], [], [])
    runner = Runner(
        old, lambda _n, _c: fake_context(FixedClock(datetime(2026, 1, 1)), tmp_path), Journal(None)
    )
    scheduler = build_scheduler(old, runner, LONDON)
    scheduler.start(paused=True)  # reloads happen in a running daemon
    try:
        new = SkillPlan([configured(Tick, schedule="5 * * * *"), configured(Counter)], [], [])
        assert schedule_skills(scheduler, new, runner, LONDON) == ["tick"]
        assert [j.id for j in scheduler.get_jobs()] == ["tick"]
        assert "minute='5'" in str(scheduler.get_job("tick").trigger)
    finally:
        scheduler.shutdown(wait=False)
