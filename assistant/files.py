"""Files written whole or not at all, and small JSON state read back forgivingly."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

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


def append_json_line(path: Path, value: Any) -> None:
    """Add `value` as one JSON line to `path`, rewriting the file atomically (small files)."""
    old = path.read_bytes() if path.is_file() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    atomic_write(path, old + json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n")


def read_json(path: Path, default: Any) -> Any:
    """The JSON in `path`, or `default` when it is missing or unreadable (logged)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable state, starting afresh: %s", path, exc)
        return default


class UnsafeTargetError(AssistantError):
    """A file we were asked to write is not a new (or, when forced, a regular) file."""


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_target(path: Path, *, force: bool = False) -> None:
    """Refuse to write `path` unless it is new, or (with `force`) a regular file or a link to one.

    The parent folder must exist: a typo never creates folders. Devices, FIFOs, sockets and
    folders (or symlinks to them) are refused even with `force`.
    """
    if not path.parent.is_dir():
        why = "is not a folder" if path.parent.exists() else "does not exist"
        raise UnsafeTargetError(f"{path}: the folder {path.parent} {why}")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UnsafeTargetError(f"{path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        with contextlib.suppress(OSError):  # a dangling link is replaced, never followed
            st = os.stat(path)
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISLNK(st.st_mode):
        raise UnsafeTargetError(f"{path}: refusing to write over {_kind(st.st_mode)}")
    if not force:
        raise UnsafeTargetError(f"{path}: already exists (--force replaces it)")


def create_exclusive(target: Path) -> tuple[int, Path]:
    """A new temp file beside `target`: O_EXCL and O_NOFOLLOW, so nothing planted is reused."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _attempt in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise UnsafeTargetError(f"{target}: cannot create a temp file beside it")


def publish(tmp: Path, target: Path, *, force: bool = False) -> None:
    """Give the finished `tmp` its name: never over an existing entry unless `force`.

    Without `force` a hard link claims the name atomically (it fails if anything is there);
    with it, rename replaces the directory entry (a symlink itself, never what it points to).
    """
    try:
        if force:
            check_target(target, force=True)
            os.replace(tmp, target)
            return
        try:
            os.link(tmp, target, follow_symlinks=False)
        except FileExistsError:
            raise UnsafeTargetError(f"{target}: already exists (--force replaces it)") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            # A file system without hard links (FAT on a USB stick): check, then rename.
            check_target(target, force=False)
            os.rename(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
