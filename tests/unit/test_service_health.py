"""Watchdog health: a live scheduler thread and no overdue job."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from assistant.service.health import scheduler_problem

UTC = ZoneInfo("UTC")


def noop() -> None:
    """A job that does nothing."""


def test_health_follows_the_scheduler_thread_and_its_jobs() -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    now = datetime.now(UTC)
    assert scheduler_problem(scheduler, now, 60) == "the scheduler is not running"
    scheduler.start()
    try:
        scheduler.add_job(noop, "interval", hours=1, id="hourly")
        next_run = scheduler.get_job("hourly").next_run_time
        assert scheduler_problem(scheduler, now, 60) is None
        # Seen from two minutes after its run time, the job is overdue.
        late = next_run + timedelta(seconds=120)
        assert scheduler_problem(scheduler, late, 60) == (
            f"job hourly is overdue since {next_run.isoformat()}"
        )
        assert scheduler_problem(scheduler, next_run + timedelta(seconds=30), 60) is None
        scheduler.pause()  # held on purpose while the clock is unsynchronised
        assert scheduler_problem(scheduler, late, 60) is None
        scheduler.resume()
    finally:
        scheduler.shutdown(wait=False)
    assert scheduler_problem(scheduler, now, 60) == "the scheduler is not running"


def test_a_dead_scheduler_thread_is_unhealthy() -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start()
    try:
        thread = scheduler._thread
        scheduler._thread = None  # what a crashed loop looks like from outside
        assert scheduler_problem(scheduler, datetime.now(UTC), 60) == (
            "the scheduler thread is dead"
        )
        scheduler._thread = thread
    finally:
        scheduler.shutdown(wait=False)
