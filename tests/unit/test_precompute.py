"""Precompute with an injected clock: on time when prepared, late when slow, fresh or made again."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, ClassVar

import pytest

from assistant.clock import Clock
from assistant.config import Config, SkillSettings
from assistant.cron import build_trigger
from assistant.journal import Journal, RunRecord
from assistant.precompute import (
    PREPARE_SUFFIX,
    LeadTrigger,
    Precomputer,
    PrecomputeSettings,
    Prepared,
    estimate_lead_s,
)
from assistant.runner import Runner
from assistant.scheduler import build_scheduler
from assistant.service.daemon import Daemon
from assistant.service.text import status_text
from assistant.skill import Reply, Skill, SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.testing import FakeSpeaker, FixedClock, fake_context
from tests.fakeapp import fake_app

DUE = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
GATE = threading.Event()


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    @property
    def tz(self) -> tzinfo:
        return UTC

    def now(self) -> datetime:
        return self.moment

    def synchronized(self) -> bool:
        return True

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


class Told(Skill):
    """Says the time its clock tells, counting its runs; waits for GATE when `slow`."""

    name = "told"
    precompute = True
    runs: ClassVar[list[datetime]] = []
    slow: ClassVar[bool] = False
    clock: ClassVar[ManualClock | None] = None

    def run(self, ctx: SkillContext) -> Reply:
        if Told.slow:
            GATE.wait(10)
            assert Told.clock is not None
            Told.clock.advance(42)  # the model took 42 s past the scheduled time
        Told.runs.append(ctx.clock.now())
        return Reply(text=f"It is {ctx.clock.now():%H:%M}.")


class Plain(Skill):
    """A skill that does not opt in."""

    name = "plain"

    def run(self, ctx: SkillContext) -> Reply:
        return Reply(text="plain")


def make(tmp_path: Path, clock: ManualClock, **settings: Any) -> tuple[Precomputer, FakeSpeaker]:
    Told.runs, Told.slow, Told.clock = [], False, clock
    common = SkillSettings(schedule="30 7 * * *", timeout_s=20)
    skills = [ConfiguredSkill(c, common, c.Config(), True) for c in (Told, Plain)]
    speaker = FakeSpeaker()

    def context(_name: str, told: Clock | None) -> SkillContext:
        return fake_context(told or clock, tmp_path, speaker=speaker)

    journal = Journal(tmp_path / "journal.jsonl")
    runner = Runner(SkillPlan(skills, [], []), context, journal, wall=clock.now)
    return Precomputer(runner, clock, journal, PrecomputeSettings(**settings)), speaker


def last_row(tmp_path: Path) -> dict[str, Any]:
    row: dict[str, Any] = json.loads((tmp_path / "journal.jsonl").read_text().splitlines()[-1])
    return row


def test_a_prepared_reply_is_spoken_at_the_scheduled_second(tmp_path: Path) -> None:
    clock = ManualClock(DUE - timedelta(minutes=3))
    pre, speaker = make(tmp_path, clock)
    held = pre.prepare("told")
    assert held is not None and held.scheduled == DUE and speaker.said == []
    # The skill ran three minutes early but was told the scheduled time.
    assert Told.runs == [DUE] and pre.state()["told"]["outcome"] == "ok"
    clock.moment = DUE
    result = pre.at_time("told")
    assert speaker.said == ["It is 07:30."] and result.first_audio == DUE
    row = last_row(tmp_path)
    assert row["precomputed"] is True and row["lateness_ms"] == 0.0
    assert row["scheduled"].startswith("2026-12-01T07:30:00")
    assert row["ready"].startswith("2026-12-01T07:27:00")
    assert "warm_ms" in row["timings"] and pre.state() == {}


def test_a_reply_past_the_freshness_limit_is_made_again(tmp_path: Path) -> None:
    clock = ManualClock(DUE - timedelta(minutes=20))
    pre, speaker = make(tmp_path, clock, fresh_s=600)
    pre.prepare("told", due=DUE)
    clock.moment = DUE
    pre.at_time("told")
    assert len(Told.runs) == 2 and speaker.said == ["It is 07:30."]
    assert last_row(tmp_path)["precomputed"] is False


def test_late_preparation_is_spoken_as_soon_as_it_is_ready(tmp_path: Path) -> None:
    clock = ManualClock(DUE - timedelta(seconds=5))
    pre, speaker = make(tmp_path, clock)
    Told.slow = True
    GATE.clear()
    preparing = threading.Thread(target=pre.prepare, args=["told"])
    preparing.start()
    while pre.preparing() != ["told"]:
        threading.Event().wait(0.01)
    clock.moment = DUE
    timer = threading.Timer(0.2, GATE.set)
    timer.start()
    pre.at_time("told")  # waits for the preparation rather than starting a second run
    preparing.join(5)
    assert len(Told.runs) == 1 and speaker.said == ["It is 07:30."]
    row = last_row(tmp_path)
    assert row["precomputed"] is True and row["lateness_ms"] == 42_000.0


def test_without_preparation_the_run_is_at_the_time_and_its_lateness_recorded(
    tmp_path: Path,
) -> None:
    clock = ManualClock(DUE + timedelta(seconds=2))  # the job fired 2 s late
    pre, speaker = make(tmp_path, clock)
    pre.at_time("plain")
    row = last_row(tmp_path)
    assert speaker.said == ["plain"] and row["precomputed"] is False
    assert row["scheduled"].startswith("2026-12-01T07:30:00") and row["lateness_ms"] == 2000.0


def test_a_preparation_for_another_time_is_not_spoken(tmp_path: Path) -> None:
    clock = ManualClock(DUE - timedelta(minutes=1))
    pre, _speaker = make(tmp_path, clock)
    pre.prepare("told", due=DUE - timedelta(days=1))
    clock.moment = DUE
    pre.at_time("told")
    assert Told.runs[-1] == DUE and last_row(tmp_path)["precomputed"] is False


def ok_run(ms: float) -> RunRecord:
    return RunRecord("told", "x", "ok", timings={"run_ms": ms, "warm_ms": 0.0})


@pytest.mark.parametrize(
    ("runs", "lead"),
    [
        ([], 180.0),  # no history: the default
        ([ok_run(20_000)] * 2, 180.0),  # too little history
        ([ok_run(10_000), ok_run(20_000), ok_run(60_000)], 90.0),  # p90 60 s + 30 s
        ([ok_run(2_000_000)] * 5, 900.0),  # never past the freshness limit
        ([RunRecord("told", "x", "timeout")] * 5, 180.0),  # failures are not durations
    ],
)
def test_the_lead_is_learned_from_recent_runs(runs: list[RunRecord], lead: float) -> None:
    assert estimate_lead_s(runs, PrecomputeSettings()) == lead


def test_the_lead_comes_from_the_journal_file(tmp_path: Path) -> None:
    clock = ManualClock(DUE)
    pre, _speaker = make(tmp_path, clock, margin_s=5)
    for ms in (1000, 2000, 4000):
        pre.journal.record(ok_run(ms))
    assert pre.lead_s("told") == 9.0 and pre.lead_s("plain") == 180.0


def test_the_prepare_trigger_fires_the_lead_before_each_run() -> None:
    lead = [120.0]
    trigger = LeadTrigger(build_trigger("30 7 * * *", UTC), lambda: lead[0])
    assert trigger.get_next_fire_time(None, DUE - timedelta(hours=1)) == DUE - timedelta(minutes=2)
    # Started inside the lead: this run is not prepared; the next day's is.
    assert trigger.get_next_fire_time(None, DUE - timedelta(minutes=1)) == DUE + timedelta(
        days=1, minutes=-2
    )
    lead[0] = 600
    assert trigger.get_next_fire_time(None, DUE - timedelta(hours=1)) == DUE - timedelta(minutes=10)


def test_the_scheduler_adds_prepare_jobs_only_for_skills_that_opt_in(tmp_path: Path) -> None:
    pre, _speaker = make(tmp_path, ManualClock(DUE))
    scheduler = build_scheduler(pre.runner.plan, pre.runner, UTC, pre)
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert ids == ["plain", "told", "told" + PREPARE_SUFFIX]
    scheduler = build_scheduler(pre.runner.plan, pre.runner, UTC)
    assert sorted(job.id for job in scheduler.get_jobs()) == ["plain", "told"]


def test_the_daemon_schedules_prepare_jobs_and_reports_them(
    tmp_path: Path, started: list[Daemon]
) -> None:
    config = Config.model_validate(
        {"assistant": {"greeting": "", "timezone": "UTC"}, "service": {"control_socket": False}}
    )
    pre, speaker = make(tmp_path, ManualClock(DUE))
    app = fake_app(tmp_path, config, pre.runner.plan, speaker, FixedClock(datetime.now(UTC)))
    daemon = Daemon(app, rebuild=lambda a: a, sync=lambda: True)
    daemon.start()
    started.append(daemon)
    status = daemon.status()
    # The prepare job is not a "next run"; it is reported under precompute.
    assert {run["skill"] for run in status["next_runs"]} == {"told", "plain"}
    told = status["precompute"]["told"]
    assert set(status["precompute"]) == {"told"} and told["lead_s"] == 180.0
    next_told = next(r["time"] for r in status["next_runs"] if r["skill"] == "told")
    gap = datetime.fromisoformat(next_told) - datetime.fromisoformat(told["next_prepare"])
    assert gap == timedelta(seconds=180)
    assert status["admission"]["busy"] == [] and "admit" in status["admission"]
    assert status["engines"]["default"]["skills"] == ["plain", "told"]
    daemon.precompute._held["told"] = Prepared(DUE, DUE)  # a preparation under way
    assert daemon.briefing_busy() == ["told"]
    assert status_text(daemon.status()).count("told is being prepared or spoken") == 1
