"""Finding and reading notes without ever leaving the given folders or reading unbounded."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.retrieval.errors import StoreError

NOTE_SUFFIXES = {".md": True, ".markdown": True, ".txt": False, ".text": False}
# Kernel views, not files: /proc/self/environ holds the daemon's secrets and is "regular".
VIRTUAL_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


@dataclass
class NoteScan:
    """The notes found under the roots, what was skipped and why, and folders not read."""

    notes: set[Path] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)

    def hides(self, path: Path) -> bool:
        """True when `path` lies in a folder that could not be read (so it is not known gone)."""
        return any(path.is_relative_to(folder) for folder in self.unreadable)


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def is_note(path: Path) -> bool:
    """A Markdown or text file by its name."""
    return path.suffix.lower() in NOTE_SUFFIXES


def find_notes(paths: Iterable[Path]) -> NoteScan:
    """Notes named or found under the given folders: regular files inside a root only.

    Hidden entries are skipped silently; symlinks that lead outside their root, non-regular
    files, kernel file systems and folders that cannot be read are skipped and reported.
    """
    scan = NoteScan()
    for given in paths:
        root = given.expanduser().resolve()
        if _inside(root, VIRTUAL_ROOTS):
            scan.skipped.append(f"{root}: a kernel file system, not notes")
        elif root.is_dir():
            _walk(root, root, scan)
        elif root.is_file():
            scan.notes.add(root)
        elif root.exists():
            scan.skipped.append(f"{root}: not a regular file")
        else:
            raise StoreError(f"{root}: no such file or folder")
    return scan


def _walk(folder: Path, root: Path, scan: NoteScan) -> None:
    """Collect the notes of one folder and its sub-folders (links are never walked)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        scan.skipped.append(f"{folder}: {exc.strerror or exc}")
        scan.unreadable.append(folder)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                _link(path, root, scan)
            elif entry.is_dir(follow_symlinks=False):
                _walk(path, root, scan)
            elif is_note(path):
                if entry.is_file(follow_symlinks=False):
                    scan.notes.add(path)
                else:
                    scan.skipped.append(f"{path}: not a regular file")
        except OSError as exc:
            scan.skipped.append(f"{path}: {exc.strerror or exc}")


def _link(path: Path, root: Path, scan: NoteScan) -> None:
    """A symlink counts only when it resolves to a regular note inside the same root."""
    target = path.resolve()
    if not target.is_relative_to(root) or _inside(target, VIRTUAL_ROOTS):
        scan.skipped.append(f"{path}: a symlink to outside {root}")
    elif target.is_file() and is_note(target) and not target.is_symlink():
        scan.notes.add(target)
    # a link to a folder inside the root: that folder is walked on its own


def read_note(path: Path, max_bytes: int) -> tuple[os.stat_result, bytes]:
    """Stat, then read at most `max_bytes` of a regular file; raise OSError or ValueError.

    The open never follows a final symlink and never blocks on a FIFO swapped in since the
    scan; the size is checked on the open file, before any byte is read.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size > max_bytes:
            raise ValueError(f"{st.st_size:,} bytes, over the {max_bytes:,}-byte note cap")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:  # it grew while we read
            raise ValueError(f"grew past the {max_bytes:,}-byte note cap while read")
        return st, data
    finally:
        os.close(fd)


def known_gone(path: Path, scan: NoteScan) -> bool:
    """True only when the note surely no longer exists (not when it merely cannot be seen)."""
    if scan.hides(path):
        return False
    try:
        os.lstat(path)
    except OSError as exc:
        return exc.errno in (errno.ENOENT, errno.ENOTDIR)
    return False
