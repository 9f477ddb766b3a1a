"""APScheduler 3.x jobs from the config: one per enabled skill, id = the skill's name."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from assistant.cron import build_trigger, fire_times
from assistant.runner import Runner
from assistant.skillconfig import SkillPlan


def build_scheduler(plan: SkillPlan, runner: Runner, tz: tzinfo) -> BackgroundScheduler:
    """A scheduler with one cron job per enabled, scheduled skill (not started)."""
    scheduled = [s for s in plan.skills if s.enabled and s.schedule]
    # A worker per skill, so that one slow skill never delays another's start.
    pool = ThreadPoolExecutor(max_workers=max(4, len(scheduled) + 2))
    scheduler = BackgroundScheduler(timezone=tz, executors={"default": pool})
    for skill in scheduled:
        assert skill.schedule is not None
        scheduler.add_job(
            runner.run,
            trigger=build_trigger(skill.schedule, tz),
            args=[skill.name],
            id=skill.name,
            name=skill.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=skill.settings.misfire_grace_s,
            replace_existing=True,
        )
    return scheduler


def upcoming(
    plan: SkillPlan, tz: tzinfo, start: datetime, hours: float = 24
) -> list[tuple[datetime, str]]:
    """The runs of every enabled skill in the next `hours`, in time order."""
    end = start + timedelta(hours=hours)
    runs = [
        (moment, skill.name)
        for skill in plan.skills
        if skill.enabled and skill.schedule
        for moment in fire_times(skill.schedule, tz, start, end)
    ]
    return sorted(runs)
