"""The append-only headline archive that the retrieval store indexes, rotated by size."""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from assistant.news.headline import Headline

log = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


def archive_path(state: Path) -> Path:
    """`<state dir>/news/archive.jsonl`."""
    return state / "news" / "archive.jsonl"


def _key(row: dict[str, object]) -> str:
    """Same link, or same title from the same source, is the same headline."""
    return str(row.get("link") or f"{row.get('source')}\x00{row.get('title')}")


def _known_keys(path: Path) -> set[str]:
    """Keys of the headlines already in the current file (bad lines are skipped)."""
    keys: set[str] = set()
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict):
                    keys.add(_key(row))
    except FileNotFoundError:
        pass
    return keys


def append_archive(
    headlines: Iterable[Headline], path: Path, max_bytes: int = DEFAULT_MAX_BYTES
) -> int:
    """Append the headlines not yet archived; return how many were written.

    Past `max_bytes` the file becomes `archive.1.jsonl` (replacing the older one) first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with lock.open("a") as guard:
        # Several skills may archive at once; one writer at a time keeps lines whole.
        fcntl.flock(guard, fcntl.LOCK_EX)
        if path.exists() and path.stat().st_size > max_bytes:
            os.replace(path, path.with_name(path.stem + ".1" + path.suffix))
        known = _known_keys(path)
        lines = []
        for headline in headlines:
            row = headline.to_json()
            if _key(row) not in known:
                known.add(_key(row))
                lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        if lines:
            with path.open("a", encoding="utf-8") as out:
                out.write("".join(lines))
                out.flush()
                os.fsync(out.fileno())
    return len(lines)
