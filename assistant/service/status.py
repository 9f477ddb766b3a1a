"""What the daemon reports: `assistant status` (JSON) and systemd's one-line STATUS=."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.daemon import Daemon


def next_runs(daemon: Daemon) -> list[dict[str, str]]:
    """The next run of each scheduled skill, soonest first."""
    jobs = [j for j in daemon.scheduler.get_jobs() if j.next_run_time is not None]
    jobs.sort(key=lambda j: j.next_run_time)
    return [{"skill": j.id, "time": j.next_run_time.isoformat()} for j in jobs]


def clock_state(daemon: Daemon) -> dict[str, Any]:
    """Whether the clock is synchronised, and whether runs wait for it."""
    left = None
    if daemon.hold_deadline is not None:
        left = round(max(0.0, daemon.hold_deadline - daemon.monotonic()), 1)
    return {
        "synchronized": daemon.sync(),
        "holding": daemon.holding(),
        "hold_left_s": left,
        "last_jump_s": daemon.last_jump_s,
    }


def memory_split(rollup: Path = Path("/proc/self/smaps_rollup")) -> dict[str, int] | None:
    """Resident memory split into anonymous (heap) and file-backed (mmapped model) bytes."""
    try:
        lines = rollup.read_text().splitlines()
    except OSError:
        return None
    kib: dict[str, int] = {}
    for line in lines:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            kib[name.strip()] = int(parts[0])
    rss, anon = kib.get("Rss", 0) * 1024, kib.get("Anonymous", 0) * 1024
    return {"rss_bytes": rss, "anon_bytes": anon, "file_bytes": rss - anon}


def build_status(daemon: Daemon) -> dict[str, Any]:
    """The answer to a status request."""
    last = {
        name: {k: v for k, v in asdict(run).items() if k in {"started", "outcome", "error", "text"}}
        for name, run in sorted(daemon.app.journal.latest().items())
    }
    path = daemon.app.config_path
    return {
        "ok": True,
        "pid": os.getpid(),
        "started": daemon.started_at.isoformat(timespec="seconds"),
        "uptime_s": round(daemon.monotonic() - daemon.started_mono, 1),
        "config": str(path) if path else None,
        "clock": clock_state(daemon),
        "next_runs": next_runs(daemon),
        "last_runs": last,
        "running": daemon.runner.active(),
        "healthy": daemon.problem is None,
        "problem": daemon.problem,
        "last_reload": daemon.last_reload,
        "memory": memory_split(),
    }


def status_line(daemon: Daemon) -> str:
    """One line for `systemctl status`: what the daemon waits for, or its next run."""
    if daemon.holding() and daemon.hold_deadline is not None:
        left = max(0.0, daemon.hold_deadline - daemon.monotonic())
        return f"waiting up to {left / 60:.0f} min for the clock to be synchronised"
    runs = next_runs(daemon)
    if not runs:
        return "running; no scheduled runs"
    first = runs[0]
    moment = datetime.fromisoformat(first["time"])
    return f"next: {first['skill']} at {moment:%Y-%m-%d %H:%M %Z}"
