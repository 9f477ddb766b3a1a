"""Read many feeds at once; one bad feed is reported and never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest

from assistant.errors import AssistantError
from assistant.http import Fetcher
from assistant.news.headline import Headline
from assistant.news.parse import ParseLimits, parse_feed
from assistant.news.sources import FeedRef, read_source

log = logging.getLogger(__name__)
MAX_WORKERS = 4


@dataclass
class FeedResult:
    """What one feed gave: headlines, or the reason it gave none (without the source)."""

    ref: FeedRef
    headlines: list[Headline] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the feed was read and parsed (it may still have had no entries)."""
        return self.error is None


def read_feed(ref: FeedRef, fetcher: Fetcher, limits: ParseLimits) -> FeedResult:
    """Fetch and parse one feed; every failure becomes `error`, nothing is raised."""
    try:
        data = read_source(ref.source, fetcher, limits.max_bytes)
        headlines = parse_feed(data, _default_name(ref.source), limits, name=ref.name)
    except AssistantError as exc:
        # Errors from the fetcher name the source already; the result keeps only the reason.
        return FeedResult(ref, error=str(exc).removeprefix(f"{ref.source}: "))
    except Exception as exc:  # a bug on hostile input must not take the other feeds down
        log.exception("reading %s failed unexpectedly", ref.source)
        return FeedResult(ref, error=f"{type(exc).__name__}: {exc}")
    return FeedResult(ref, headlines)


def _default_name(source: str) -> str:
    """A short name for a feed without a title: its host, or its file name."""
    from urllib.parse import urlsplit

    parts = urlsplit(source)
    if parts.hostname:
        return parts.hostname.removeprefix("www.")
    return source.rstrip("/").rsplit("/", 1)[-1][:60] or "a feed"


def collect(
    refs: Sequence[FeedRef], fetcher: Fetcher, limits: ParseLimits | None = None
) -> list[FeedResult]:
    """Read every feed in parallel (each within the fetcher's deadline), in the given order."""
    lim = limits or ParseLimits()
    if not refs:
        return []
    with ThreadPoolExecutor(min(MAX_WORKERS, len(refs)), thread_name_prefix="feed") as pool:
        return list(pool.map(lambda ref: read_feed(ref, fetcher, lim), refs))


def interleave(results: Sequence[FeedResult]) -> list[Headline]:
    """Headlines taken in turn from each feed, so that the first few come from several."""
    columns = [r.headlines for r in results]
    return [h for row in zip_longest(*columns) for h in row if h is not None]
