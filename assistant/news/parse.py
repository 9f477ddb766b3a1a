"""Feed bytes -> cleaned headlines, with feedparser as the only parser."""

from __future__ import annotations

import calendar
import io
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from assistant.errors import AssistantError
from assistant.news.clean import clean_link, clean_text
from assistant.news.headline import Headline

log = logging.getLogger(__name__)
SOURCE_MAX_CHARS = 60


class FeedError(AssistantError):
    """Bytes that are not a feed feedparser can read."""


@dataclass(frozen=True)
class ParseLimits:
    """How much of a feed becomes headlines."""

    max_entries: int = 50
    title_max_chars: int = 200
    summary_max_chars: int = 500
    max_bytes: int = 2 * 1024 * 1024


def _published(entry: Any) -> datetime | None:
    """The entry's publication (else update) time in UTC, if it has a sane one."""
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None


def _parse(data: bytes) -> Any:
    """Run feedparser on a stream of `data`: never a URL, a path or a str it might open."""
    try:
        return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's own bugs on hostile input: report, do not crash
        raise FeedError(f"feedparser failed: {type(exc).__name__}: {exc}") from exc


def feed_title(parsed: Any) -> str:
    """The feed's own title, cleaned, or '' when it has none."""
    feed = parsed.get("feed")
    return clean_text(feed.get("title"), SOURCE_MAX_CHARS) if feed is not None else ""


def parse_feed(
    data: bytes, source: str, limits: ParseLimits | None = None, *, name: str = ""
) -> list[Headline]:
    """Parse `data` as RSS/Atom; raise FeedError when it is no feed at all.

    `name` (else the feed's title, else `source`) becomes each headline's source.
    """
    lim = limits or ParseLimits()
    parsed = _parse(data)
    entries = parsed.get("entries") or []
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        why = parsed.get("bozo_exception") or "no RSS or Atom feed found"
        raise FeedError(f"not a feed: {clean_text(str(why), 200)}")
    label = clean_text(name, SOURCE_MAX_CHARS) or feed_title(parsed) or source
    headlines = []
    for entry in entries[: lim.max_entries]:
        title = clean_text(entry.get("title"), lim.title_max_chars)
        if not title:
            continue
        headlines.append(
            Headline(
                title=title,
                link=clean_link(entry.get("link")),
                source=label,
                published=_published(entry),
                summary=clean_text(entry.get("summary"), lim.summary_max_chars),
            )
        )
    return headlines
