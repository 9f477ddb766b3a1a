"""The news service skills receive as `ctx.news`: headlines fresh from the feeds, else the last
good ones, the shared archive, and what a skill already spoke. Built once from `[news]`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.clock import Clock
from assistant.files import read_json, write_json_atomic
from assistant.http import Fetcher
from assistant.news.archive import append_archive, archive_path
from assistant.news.collect import collect, interleave
from assistant.news.dedup import fingerprint
from assistant.news.headline import Headline
from assistant.news.settings import NewsSection
from assistant.news.sources import FeedRef, resolve_source

log = logging.getLogger(__name__)
LAST_GOOD = "last_good.json"
KEEP_LAST_GOOD = 100
KEEP_SPOKEN = 1000


class FeedConfig(BaseModel):
    """A feed with a display name: `{ url = "...", name = "the BBC" }`."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1)
    name: str = Field("", max_length=60)


FeedSetting = str | FeedConfig


def feed_refs(feeds: Sequence[FeedSetting], named: Mapping[str, str]) -> list[FeedRef]:
    """The feeds (names from `[news] feeds`, URLs, paths or tables) as references to read."""
    return [
        resolve_source(f, named) if isinstance(f, str) else FeedRef(f.url, f.name) for f in feeds
    ]


@dataclass
class News:
    """Headlines to tell, and whether they are old ones because every feed failed."""

    headlines: list[Headline]
    failures: list[str] = field(default_factory=list)
    stale_since: datetime | None = None


class NewsService:
    """Reads feeds within the `[news]` limits; one per app, shared by every skill."""

    def __init__(self, section: NewsSection, http: Fetcher, state: Path) -> None:
        self.section = section
        self.http = http
        self.state = state

    def for_run(self, state_dir: Path, clock: Clock, logger: logging.Logger) -> SkillNews:
        """The view of one skill run: its own last-good and spoken-before files, its clock."""
        return SkillNews(self, state_dir, clock, logger)

    def archive(self, headlines: list[Headline]) -> None:
        """Add headlines to the shared archive; a full or read-only disk costs only the archive."""
        try:
            append_archive(headlines, archive_path(self.state), self.section.archive_max_bytes)
        except OSError as exc:
            log.error("could not archive headlines: %s", exc)


class SkillNews:
    """`ctx.news`: what a skill asks of the news service during one run."""

    def __init__(
        self, service: NewsService, state_dir: Path, clock: Clock, logger: logging.Logger
    ) -> None:
        self.service = service
        self.state_dir = state_dir
        self.clock = clock
        self.log = logger

    def gather(self, feeds: Sequence[FeedSetting] = ()) -> News:
        """Read `feeds` (default: every `[news] feeds` entry); keep fresh headlines as the last
        good ones, or fall back to those when every feed failed."""
        section = self.service.section
        chosen: Sequence[FeedSetting] = feeds or list(section.feeds)
        refs = feed_refs(chosen, section.feeds)
        results = collect(refs, self.service.http, section.parse_limits())
        failures = [f"{r.ref.source}: {r.error}" for r in results if not r.ok]
        for line in failures:
            self.log.warning("feed failed: %s", line)
        fresh = interleave(results)
        last_good = self.state_dir / LAST_GOOD
        if fresh:
            _save_last_good(last_good, fresh, self.clock.now())
            self.service.archive(fresh)
            return News(fresh, failures)
        saved, when = _load_last_good(last_good)
        return News(saved, failures, when if saved else None)

    def spoken(self, days: int) -> SpokenBefore:
        """Headlines this skill spoke within `days`, to be told only once."""
        return SpokenBefore(self.state_dir / "spoken.json", self.clock.now(), days)


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
