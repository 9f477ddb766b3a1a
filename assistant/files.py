"""Files written whole or not at all, and small JSON state read back forgivingly."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def fsync_path(path: Path) -> None:
    """Flush a file or a directory entry to disk (a rename survives power loss only then)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file beside `path`, fsync it, rename over `path`: old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def write_json_atomic(path: Path, value: Any) -> None:
    """Write `value` as JSON atomically (see atomic_write)."""
    atomic_write(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def read_json(path: Path, default: Any) -> Any:
    """The JSON in `path`, or `default` when it is missing or unreadable (logged)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable state, starting afresh: %s", path, exc)
        return default
