"""One daemon per state dir: an flock on `<state>/daemon.lock` held for the daemon's life."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from assistant.service.errors import DaemonRunningError, ServiceError

log = logging.getLogger(__name__)
LOCK_NAME = "daemon.lock"


def _holder(fd: int) -> str:
    """The pid written by the daemon holding the lock, or "unknown"."""
    with contextlib.suppress(OSError, ValueError):
        return str(int(os.pread(fd, 32, 0).decode().strip()))
    return "unknown"


def _open(path: Path) -> tuple[int, bool]:
    """The lock file, read-write (created if missing) or, on a read-only disk, read-only."""
    flags = os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o600), True
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        return os.open(path, os.O_RDONLY | flags), False


@contextlib.contextmanager
def daemon_lock(state: Path) -> Iterator[Path | None]:
    """Hold the state dir's lock, or raise DaemonRunningError naming the pid that holds it.

    The kernel drops an flock when its holder dies, even by `kill -9`: a stale file never
    keeps a new daemon out. A read-only state dir without a lock file is run unlocked
    (logged): there a second daemon cannot write anything either.
    """
    path = state / LOCK_NAME
    with contextlib.suppress(OSError):  # reported below, by the open
        state.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd, writable = _open(path)
    except FileNotFoundError:
        fd, writable = -1, False
    except OSError as exc:
        raise ServiceError(f"cannot open the daemon lock {path}: {exc.strerror or exc}") from None
    if fd < 0:
        log.warning("%s cannot be created (read-only state dir?): running unlocked", path)
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DaemonRunningError(
                f"another daemon (pid {_holder(fd)}) already runs on the state dir {state}"
                f" (it holds {path})"
            ) from None
        if writable:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)
