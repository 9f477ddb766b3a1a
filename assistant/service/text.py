"""The human-readable form of a status answer."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.clock import format_moment


def _duration(seconds: float) -> str:
    """3725 -> '1h 2m'."""
    minutes, _s = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"]
    return " ".join(parts) if seconds >= 60 else f"{int(seconds)}s"


def _clock_line(clock: dict[str, Any]) -> str:
    """Whether the time can be trusted, and whether runs wait for it."""
    if clock.get("synchronized"):
        return "clock: synchronised"
    if clock.get("holding"):
        left = clock.get("hold_left_s") or 0
        return f"clock: NOT synchronised; scheduled runs wait up to {_duration(left)} more"
    return "clock: NOT synchronised; runs go ahead, the clock skill will not state the time"


def _zone(name: object) -> tzinfo | None:
    """The daemon's zone, so times read as in `assistant schedule` (GMT, not UTC)."""
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else None
    except (ValueError, ZoneInfoNotFoundError):
        return None


def status_text(answer: dict[str, Any]) -> str:
    """Lines for `assistant status`."""
    lines = [
        f"daemon pid {answer['pid']}, up {_duration(answer['uptime_s'])}, "
        f"config {answer.get('config') or 'built-in defaults'}",
        _clock_line(answer.get("clock", {})),
    ]
    memory = answer.get("memory")
    if memory:
        mib = {k: v / 1048576 for k, v in memory.items()}
        lines.append(
            f"memory: {mib['anon_bytes']:.0f} MiB anonymous + "
            f"{mib['file_bytes']:.0f} MiB file-backed resident"
        )
    if answer.get("problem"):
        lines.append(f"UNHEALTHY: {answer['problem']}")
    lines.append("next runs:" if answer.get("next_runs") else "next runs: none")
    zone = _zone(answer.get("timezone"))
    for run in answer.get("next_runs", []):
        moment = datetime.fromisoformat(run["time"])
        lines.append(f"  {format_moment(moment, zone)}  {run['skill']}")
    last = answer.get("last_runs", {})
    lines.append("last runs:" if last else "last runs: none yet")
    for name, run in last.items():
        detail = run.get("error") or run.get("text", "").replace("\n", " / ")
        lines.append(f"  {name:<14} {run['outcome']:<8} {run['started']}  {detail[:80]}")
    if answer.get("running"):
        lines.append(f"running now: {', '.join(answer['running'])}")
    lines += _engine_lines(answer.get("engines") or {})
    admission = answer.get("admission")
    if admission:
        reasons = "; ".join(admission.get("reasons") or [])
        lines.append(f"heavy jobs (indexing): {'wait: ' + reasons if reasons else 'may start'}")
        embedding = admission.get("embedding") or {}
        if embedding.get("state") in ("deferred", "slowed"):
            why = "; ".join(embedding.get("reasons") or [])
            lines.append(f"embedding: {embedding['state']} ({why})")
    return "\n".join(lines)


def _engine_lines(engines: dict[str, Any]) -> list[str]:
    """One line per engine: whether it answers, and which skills use it."""
    lines = ["engines:"] if engines else []
    for name, entry in engines.items():
        state = "ok" if entry.get("reachable") else "DOWN"
        users = ", ".join(entry.get("skills") or []) or "-"
        lines.append(f"  {name:<10} {state:<4} {entry.get('detail', '')}  skills: {users}")
    return lines
