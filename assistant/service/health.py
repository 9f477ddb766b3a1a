"""Is the schedule healthy? The watchdog pings only while the answer is yes."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING


def scheduler_problem(
    scheduler: BackgroundScheduler, now: datetime, overdue_s: float
) -> str | None:
    """Why the scheduler is unhealthy (dead thread, overdue job), or None when it is fine."""
    thread = getattr(scheduler, "_thread", None)
    if scheduler.state not in (STATE_RUNNING, STATE_PAUSED):
        return "the scheduler is not running"
    if not isinstance(thread, threading.Thread) or not thread.is_alive():
        return "the scheduler thread is dead"
    if scheduler.state == STATE_PAUSED:
        # Paused on purpose (clock not synchronised yet): runs wait, nothing is overdue.
        return None
    limit = now - timedelta(seconds=overdue_s)
    for job in scheduler.get_jobs():
        if job.next_run_time is not None and job.next_run_time < limit:
            return f"job {job.id} is overdue since {job.next_run_time.isoformat()}"
    return None
