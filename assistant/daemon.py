"""Process life: start the schedule, greet, wait for a signal, stop within seconds."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from types import FrameType

from assistant.app import App
from assistant.runner import Runner
from assistant.scheduler import build_scheduler

log = logging.getLogger(__name__)
STOP_GRACE_S = 3.0


def run_daemon(app: App) -> int:
    """Run the scheduler in the foreground until SIGTERM or SIGINT; return the exit code."""
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    runner = Runner(app.plan, app.context, app.journal, stopping)
    scheduler = build_scheduler(app.plan, runner, app.clock.tz)
    scheduler.start()
    greeting = app.config.assistant.greeting
    if greeting:
        # Through the scheduler, so the main thread stays free to answer signals.
        scheduler.add_job(runner.run, args=[greeting], id=f"greeting:{greeting}")
    for job in scheduler.get_jobs():
        log.info("scheduled %s: next run %s", job.id, job.next_run_time)
    log.info(
        "running with %d scheduled skills; state in %s", len(scheduler.get_jobs()), app.state_dir
    )

    while not stopping.wait(1.0):
        pass
    scheduler.shutdown(wait=False)
    return _finish(runner)


def _finish(runner: Runner) -> int:
    """Give running skills a moment, then leave even if one is stuck inside the model."""
    deadline = time.monotonic() + STOP_GRACE_S
    while runner.busy() and time.monotonic() < deadline:
        time.sleep(0.1)
    busy = runner.busy()
    if not busy:
        log.info("stopped")
        return 0
    log.warning("stopping with skills still running: %s", ", ".join(busy))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # A thread still inside llama.cpp could crash interpreter teardown; skip it.
    os._exit(0)
