"""Headlines for the news skills: fresh from the feeds, else the last good ones, and what was
already spoken."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.config import state_dir
from assistant.news.archive import append_archive, archive_path
from assistant.news.collect import collect, interleave
from assistant.news.dedup import fingerprint
from assistant.news.headline import Headline
from assistant.news.parse import ParseLimits
from assistant.news.sources import FeedRef
from assistant.skill import SkillContext
from skills.skillstate import read_json, write_json_atomic

log = logging.getLogger(__name__)
LAST_GOOD = "last_good.json"
SPOKEN = "spoken.json"
KEEP_LAST_GOOD = 100
KEEP_SPOKEN = 1000


class FeedConfig(BaseModel):
    """A feed with a display name: `{ url = "...", name = "the BBC" }`."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1)
    name: str = Field("", max_length=60)


FeedSetting = str | FeedConfig


def feed_refs(feeds: list[FeedSetting]) -> list[FeedRef]:
    """The configured feeds (URLs, paths or tables) as references to read."""
    return [FeedRef(f) if isinstance(f, str) else FeedRef(f.url, f.name) for f in feeds]


@dataclass
class News:
    """Headlines to tell, and whether they are old ones because every feed failed."""

    headlines: list[Headline]
    failures: list[str] = field(default_factory=list)
    stale_since: datetime | None = None


def gather_news(ctx: SkillContext, feeds: list[FeedSetting], max_entries: int = 30) -> News:
    """Read the feeds; keep fresh headlines as the last good ones, or fall back to those."""
    results = collect(feed_refs(feeds), ctx.http, ParseLimits(max_entries=max_entries))
    failures = [f"{r.ref.source}: {r.error}" for r in results if not r.ok]
    for line in failures:
        ctx.log.warning("feed failed: %s", line)
    fresh = interleave(results)
    if fresh:
        _save_last_good(ctx.state_dir / LAST_GOOD, fresh, ctx.clock.now())
        _archive(fresh)
        return News(fresh, failures)
    saved, when = _load_last_good(ctx.state_dir / LAST_GOOD)
    return News(saved, failures, when if saved else None)


def _archive(headlines: list[Headline]) -> None:
    """Add headlines to the shared archive; a full or read-only disk costs only the archive."""
    try:
        append_archive(headlines, archive_path(state_dir()))
    except OSError as exc:
        log.error("could not archive headlines: %s", exc)


def _save_last_good(path: Path, headlines: list[Headline], now: datetime) -> None:
    """Remember the newest good headlines for a day when every feed is down."""
    rows = [h.to_json() for h in headlines[:KEEP_LAST_GOOD]]
    try:
        write_json_atomic(path, {"at": now.isoformat(), "headlines": rows})
    except OSError as exc:
        log.error("could not save the last good headlines: %s", exc)


def _load_last_good(path: Path) -> tuple[list[Headline], datetime | None]:
    """The saved headlines and when they were read, or nothing."""
    saved = read_json(path, {})
    if not isinstance(saved, dict):
        return [], None
    rows = saved.get("headlines")
    headlines = [h for h in map(Headline.from_json, rows if isinstance(rows, list) else []) if h]
    try:
        when = datetime.fromisoformat(str(saved.get("at")))
    except ValueError:
        return [], None
    return headlines, when


def stale_note(since: datetime, now: datetime) -> str:
    """The spoken warning that the headlines are old, saying how old."""
    days = (now.date() - since.astimezone(now.tzinfo).date()).days
    when = {0: "from earlier today", 1: "from yesterday"}.get(days, f"from {days} days ago")
    return f"The news feeds are down, so these headlines are {when}."


class SpokenBefore:
    """Fingerprints of headlines already spoken, forgotten after `days`."""

    def __init__(self, path: Path, now: datetime, days: int) -> None:
        self.path = path
        self.now = now
        cutoff = now - timedelta(days=days)
        self.entries: list[tuple[frozenset[str], datetime]] = []
        rows = read_json(path, [])
        for row in rows if isinstance(rows, list) else []:
            try:
                at = datetime.fromisoformat(row["at"])
                words = frozenset(str(w) for w in row["words"])
            except (KeyError, TypeError, ValueError):
                continue
            if at >= cutoff:
                self.entries.append((words, at))

    def prints(self) -> list[frozenset[str]]:
        """The fingerprints still remembered."""
        return [words for words, _at in self.entries]

    def add(self, headline: Headline) -> None:
        """Remember a headline as spoken now."""
        self.entries.append((fingerprint(headline.title), self.now))

    def save(self) -> None:
        """Write the newest entries atomically; a failure is logged, not raised."""
        rows = [{"words": sorted(w), "at": at.isoformat()} for w, at in self.entries[-KEEP_SPOKEN:]]
        try:
            write_json_atomic(self.path, rows)
        except OSError as exc:
            log.error("could not save the spoken headlines: %s", exc)
