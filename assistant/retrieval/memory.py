"""Memory figures from /proc: available memory, and RSS split into anonymous and file-backed."""

from __future__ import annotations

from pathlib import Path


def available_mb() -> float:
    """MemAvailable in MiB (infinite when /proc/meminfo cannot be read)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return float("inf")


def rss_split(pid: int | str = "self") -> dict[str, float]:
    """Anonymous and file-backed resident memory in MiB, from /proc/PID/smaps_rollup."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in {"Rss:", "Anonymous:", "Shmem:"}:
            values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    anon = values.get("Anonymous", 0.0)
    return {
        "rss_mb": round(values.get("Rss", 0.0), 1),
        "anon_mb": round(anon, 1),
        "file_mb": round(values.get("Rss", 0.0) - anon - values.get("Shmem", 0.0), 1),
    }
