"""APScheduler 3.x jobs from the config: one per enabled skill, id = the skill's name."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from assistant.cron import build_trigger, fire_times, never_fires
from assistant.precompute import PREPARE_SUFFIX, Precomputer
from assistant.runner import Runner
from assistant.skillconfig import ConfiguredSkill, SkillPlan

log = logging.getLogger(__name__)
# Spare workers for skills added by a reload (the pool cannot grow after start).
SPARE_WORKERS = 4
PREPARE_GRACE_S = 60


def scheduled_skills(plan: SkillPlan) -> list[ConfiguredSkill]:
    """The skills that run on a schedule: enabled and with a cron string."""
    return [s for s in plan.skills if s.enabled and s.schedule]


def build_scheduler(
    plan: SkillPlan, runner: Runner, tz: tzinfo, precompute: Precomputer | None = None
) -> BackgroundScheduler:
    """A scheduler with one cron job per enabled, scheduled skill (not started), and with
    `precompute`, a prepare job ahead of each run of a skill that opts in."""
    # A worker per skill, so that one slow skill never delays another's start.
    workers = max(4, 2 * len(scheduled_skills(plan)) + SPARE_WORKERS)
    scheduler = BackgroundScheduler(
        timezone=tz, executors={"default": ThreadPoolExecutor(max_workers=workers)}
    )
    schedule_skills(scheduler, plan, runner, tz, precompute)
    return scheduler


def schedule_skills(
    scheduler: BackgroundScheduler,
    plan: SkillPlan,
    runner: Runner,
    tz: tzinfo,
    precompute: Precomputer | None = None,
) -> list[str]:
    """Make the scheduler's jobs those of `plan`: add, replace, remove; return the skills'
    job ids (prepare jobs, `<name>.prepare`, are not listed)."""
    wanted = scheduled_skills(plan)
    early = [s for s in wanted if s.precompute] if precompute is not None else []
    keep = {s.name for s in wanted} | {s.name + PREPARE_SUFFIX for s in early}
    for job in scheduler.get_jobs():
        if job.id not in keep:
            job.remove()
    for line in silent_schedules(plan, tz, datetime.now(tz)):
        log.warning("%s", line)
    for skill in wanted:
        assert skill.schedule is not None
        scheduler.add_job(
            precompute.at_time if precompute is not None else runner.run,
            trigger=build_trigger(skill.schedule, tz),
            args=[skill.name],
            id=skill.name,
            name=skill.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=skill.settings.misfire_grace_s,
            replace_existing=True,
        )
    for skill in early:
        assert precompute is not None and skill.schedule is not None
        scheduler.add_job(
            precompute.prepare,
            trigger=precompute.trigger(skill.name, skill.schedule),
            args=[skill.name],
            id=skill.name + PREPARE_SUFFIX,
            name=skill.name + PREPARE_SUFFIX,
            coalesce=True,
            max_instances=1,
            # A prepare that cannot start on time is skipped: the run itself still comes.
            misfire_grace_time=PREPARE_GRACE_S,
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
