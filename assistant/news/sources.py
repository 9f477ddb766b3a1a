"""Where a feed's bytes come from: a URL through the fetcher, or a local file, both capped."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from assistant.errors import FetchError
from assistant.http import Fetcher


@dataclass(frozen=True)
class FeedRef:
    """A feed to read: a URL or a path, and an optional display name for its headlines."""

    source: str
    name: str = ""


def resolve_source(source: str, named: Mapping[str, str]) -> FeedRef:
    """A name from `[news] feeds` becomes its URL or path; anything else stays as it is."""
    if source in named:
        return FeedRef(named[source])
    return FeedRef(source)


def is_url(source: str) -> bool:
    """True for a string with a URL scheme (not a Windows-style drive letter)."""
    scheme = urlsplit(source).scheme
    return len(scheme) > 1


def read_file(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most `max_bytes`; never block on a FIFO or a device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise FetchError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FetchError(f"{path}: not a regular file")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise FetchError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise FetchError(f"{path}: larger than {max_bytes} bytes")
    return data


def read_source(source: str, fetcher: Fetcher, max_bytes: int) -> bytes:
    """The bytes of a feed: http(s) through `fetcher`, file:// or a plain path from disk."""
    if is_url(source):
        parts = urlsplit(source)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            return fetcher.fetch(source)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            return read_file(Path(unquote(parts.path)), max_bytes)
        raise FetchError(f"{source[:200]}: only http, https and file sources are read")
    return read_file(Path(source).expanduser(), max_bytes)
