"""What the daemon reports: `assistant status` (JSON) and systemd's one-line STATUS=, both made
from a snapshot the daemon takes of itself."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from assistant.clock import format_moment, zone_name
from assistant.journal import RunRecord
from assistant.procmem import memory_split


@dataclass(frozen=True)
class Snapshot:
    """The daemon's state at one moment, as plain values."""

    started: datetime
    uptime_s: float
    tz: tzinfo
    config: Path | None
    synchronized: bool
    # Seconds scheduled runs still wait for the clock; None when they do not wait.
    hold_left_s: float | None
    last_jump_s: float | None
    # (skill, next run time), soonest first.
    next_runs: list[tuple[str, datetime]]
    last_runs: dict[str, RunRecord]
    running: list[str]
    problem: str | None
    last_reload: dict[str, Any] | None


def clock_state(snap: Snapshot) -> dict[str, Any]:
    """Whether the clock is synchronised, and whether runs wait for it."""
    left = None if snap.hold_left_s is None else round(snap.hold_left_s, 1)
    return {
        "synchronized": snap.synchronized,
        "holding": snap.hold_left_s is not None,
        "hold_left_s": left,
        "last_jump_s": snap.last_jump_s,
    }


def build_status(snap: Snapshot) -> dict[str, Any]:
    """The answer to a status request."""
    keep = {"started", "outcome", "error", "text"}
    last = {
        name: {k: v for k, v in vars(run).items() if k in keep}
        for name, run in sorted(snap.last_runs.items())
    }
    return {
        "ok": True,
        "pid": os.getpid(),
        "started": snap.started.isoformat(timespec="seconds"),
        "uptime_s": round(snap.uptime_s, 1),
        "config": str(snap.config) if snap.config else None,
        "timezone": zone_name(snap.tz),
        "clock": clock_state(snap),
        "next_runs": [{"skill": name, "time": t.isoformat()} for name, t in snap.next_runs],
        "last_runs": last,
        "running": snap.running,
        "healthy": snap.problem is None,
        "problem": snap.problem,
        "last_reload": snap.last_reload,
        "memory": memory_split(),
    }


def status_line(snap: Snapshot) -> str:
    """One line for `systemctl status`: what the daemon waits for, or its next run."""
    if snap.hold_left_s is not None:
        return f"waiting up to {snap.hold_left_s / 60:.0f} min for the clock to be synchronised"
    if not snap.next_runs:
        return "running; no scheduled runs"
    skill, moment = snap.next_runs[0]
    return f"next: {skill} at {format_moment(moment, snap.tz)}"
