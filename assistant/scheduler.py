"""APScheduler 3.x jobs from the config: one per enabled skill, id = the skill's name."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from assistant.cron import build_trigger, fire_times, never_fires
from assistant.runner import Runner
from assistant.skillconfig import ConfiguredSkill, SkillPlan

log = logging.getLogger(__name__)
# Spare workers for skills added by a reload (the pool cannot grow after start).
SPARE_WORKERS = 4


def scheduled_skills(plan: SkillPlan) -> list[ConfiguredSkill]:
    """The skills that run on a schedule: enabled and with a cron string."""
    return [s for s in plan.skills if s.enabled and s.schedule]


def build_scheduler(plan: SkillPlan, runner: Runner, tz: tzinfo) -> BackgroundScheduler:
    """A scheduler with one cron job per enabled, scheduled skill (not started)."""
    # A worker per skill, so that one slow skill never delays another's start.
    workers = max(4, len(scheduled_skills(plan)) + SPARE_WORKERS)
    scheduler = BackgroundScheduler(
        timezone=tz, executors={"default": ThreadPoolExecutor(max_workers=workers)}
    )
    schedule_skills(scheduler, plan, runner, tz)
    return scheduler


def schedule_skills(
    scheduler: BackgroundScheduler, plan: SkillPlan, runner: Runner, tz: tzinfo
) -> list[str]:
    """Make the scheduler's jobs those of `plan`: add, replace, remove; return the job ids."""
    wanted = scheduled_skills(plan)
    keep = {s.name for s in wanted}
    for job in scheduler.get_jobs():
        if job.id not in keep:
            job.remove()
    for line in silent_schedules(plan, tz, datetime.now(tz)):
        log.warning("%s", line)
    for skill in wanted:
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
    return [s.name for s in wanted]


def silent_schedules(plan: SkillPlan, tz: tzinfo, now: datetime) -> list[str]:
    """A warning line for each enabled skill whose cron string never fires."""
    return [
        f"skills.{s.name}.schedule: {s.schedule!r} never fires; the skill will not run"
        for s in scheduled_skills(plan)
        if never_fires(s.schedule or "", tz, now)
    ]


def upcoming(
    plan: SkillPlan, tz: tzinfo, start: datetime, hours: float = 24
) -> list[tuple[datetime, str]]:
    """The runs of every enabled skill in the next `hours`, in time order."""
    end = start + timedelta(hours=hours)
    runs = [
        (moment, skill.name)
        for skill in scheduled_skills(plan)
        for moment in fire_times(skill.schedule or "", tz, start, end)
    ]
    return sorted(runs)
