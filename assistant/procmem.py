"""The one reader of /proc memory figures: anonymous vs file-backed RSS, available memory, and
how much of a file is in the page cache."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import mmap
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

KIB = 1024


def _kib_fields(path: Path) -> dict[str, int]:
    """Parse `Name:   123 kB` lines into bytes."""
    fields: dict[str, int] = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            fields[name.strip()] = int(parts[0]) * KIB
    return fields


def process_memory(pid: str = "self") -> dict[str, int]:
    """This process's RSS split from smaps_rollup: mmapped model pages are file-backed, not heap."""
    f = _kib_fields(Path(f"/proc/{pid}/smaps_rollup"))
    rss, anon = f.get("Rss", 0), f.get("Anonymous", 0)
    return {
        "rss_bytes": rss,
        "anon_bytes": anon,
        "file_bytes": rss - anon,
        "pss_bytes": f.get("Pss", 0),
        "pss_anon_bytes": f.get("Pss_Anon", 0),
        "pss_file_bytes": f.get("Pss_File", 0),
    }


def mem_available() -> int:
    """MemAvailable from /proc/meminfo, in bytes."""
    return _kib_fields(Path("/proc/meminfo")).get("MemAvailable", 0)


def available_mb() -> float:
    """MemAvailable in MiB (infinite when /proc/meminfo cannot be read, so nothing is refused)."""
    try:
        return mem_available() / KIB / KIB or float("inf")
    except (OSError, ValueError):
        return float("inf")


def rss_split(pid: int | str = "self") -> dict[str, float]:
    """Anonymous and file-backed resident memory in MiB (shared memory counted as neither)."""
    f = _kib_fields(Path(f"/proc/{pid}/smaps_rollup"))
    rss, anon, shmem = (f.get(k, 0) / KIB / KIB for k in ("Rss", "Anonymous", "Shmem"))
    return {
        "rss_mb": round(rss, 1),
        "anon_mb": round(anon, 1),
        "file_mb": round(rss - anon - shmem, 1),
    }


def memory_split(rollup: Path = Path("/proc/self/smaps_rollup")) -> dict[str, int] | None:
    """Resident bytes split into anonymous (heap) and file-backed (mmapped model), or None."""
    try:
        f = _kib_fields(rollup)
    except OSError:
        return None
    rss, anon = f.get("Rss", 0), f.get("Anonymous", 0)
    return {"rss_bytes": rss, "anon_bytes": anon, "file_bytes": rss - anon}


def mapped_rss(path: Path, pid: str = "self") -> int:
    """Bytes of `path` resident in this process's mappings (from /proc/PID/smaps)."""
    target = str(path.resolve())
    total, inside = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping header line
            inside = len(head) >= 6 and head[-1] == target
        elif inside and line.startswith("Rss:"):
            total += int(head[1]) * KIB
    return total


def page_cache_bytes(path: Path) -> int:
    """Bytes of `path` in the kernel's page cache (mincore on a fresh, untouched mapping)."""
    size = path.stat().st_size
    if size == 0:
        return 0
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]  # fmt: skip
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte)]
    page = mmap.PAGESIZE
    pages = (size + page - 1) // page
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), f"mmap failed for {path}")
        try:
            vec = (ctypes.c_ubyte * pages)()
            if libc.mincore(ctypes.c_void_p(addr), size, vec) != 0:
                raise OSError(ctypes.get_errno(), f"mincore failed for {path}")
            return min(size, sum(b & 1 for b in vec) * page)
        finally:
            libc.munmap(ctypes.c_void_p(addr), size)
    finally:
        os.close(fd)


def drop_page_cache(path: Path) -> bool:
    """Ask the kernel to drop `path`'s clean pages from the page cache; True if it took."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return page_cache_bytes(path) < path.stat().st_size // 2


WARM_CHUNK = 1 << 20


def warm_page_cache(path: Path) -> int:
    """Read `path` once so that its pages are in the page cache; return the bytes read.

    A model mmapped by llama.cpp maps these same cached pages, so this costs no second copy
    (the 1 MiB buffer is reused); it turns a cold start's page faults into one sequential read.
    """
    total = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        while chunk := os.read(fd, WARM_CHUNK):
            total += len(chunk)
    finally:
        os.close(fd)
    return total


class PeakAnon:
    """The most anonymous RSS of this process seen so far, in MiB (smaps_rollup has no
    high-water mark of its own, and VmHWM counts file-backed pages too)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0

    def sample(self) -> None:
        """Take one reading now."""
        self.peak_mb = max(self.peak_mb, rss_split()["anon_mb"])


@contextmanager
def peak_anon(every_s: float = 0.25) -> Iterator[PeakAnon]:
    """Sample anonymous RSS in a thread while inside; read `peak_mb` of what it yields."""
    peak = PeakAnon()
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every_s):
            peak.sample()

    thread = threading.Thread(target=watch, name="peak-anon", daemon=True)
    peak.sample()
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()
        peak.sample()


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library, or none found)."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return cast(Callable[[int], int], trim)


def release_free_heap() -> bool:
    """Give the pages of freed heap blocks back to the system, in every malloc arena (glibc's
    malloc_trim); False where the C library has no such call."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)  # 1 when pages were released, 0 when there were none to release
    return True
