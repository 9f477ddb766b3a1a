"""[news]: the feeds the news skills read, and the limits of fetching them."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from assistant.http import FetchLimits
from assistant.news.parse import ParseLimits
from assistant.section import Section

FEED_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class NewsSection(Section):
    """[news] section."""

    # Named feeds, usable wherever a source is asked for: `assistant headlines bbc`.
    feeds: dict[str, str] = Field(default_factory=dict)
    connect_timeout_s: float = Field(5.0, gt=0, le=120)
    read_timeout_s: float = Field(10.0, gt=0, le=300)
    # No fetch (all redirects and the whole body) takes longer than this.
    deadline_s: float = Field(20.0, gt=0, le=600)
    max_bytes: int = Field(2 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_redirects: int = Field(5, ge=0, le=20)
    # After a failure a URL is skipped for backoff_base_s, doubling up to backoff_max_s.
    backoff_base_s: float = Field(60.0, ge=0, le=86400)
    backoff_max_s: float = Field(3600.0, ge=0, le=7 * 86400)
    # Headlines kept per feed (a feed's first entries are its newest).
    max_entries: int = Field(50, ge=1, le=10_000)
    title_max_chars: int = Field(200, ge=20, le=2000)
    summary_max_chars: int = Field(500, ge=0, le=10_000)
    # <state dir>/news/archive.jsonl is rotated to archive.1.jsonl past this size.
    archive_max_bytes: int = Field(8 * 1024 * 1024, ge=64 * 1024, le=1 << 30)

    @field_validator("feeds")
    @classmethod
    def _names_and_sources(cls, value: dict[str, str]) -> dict[str, str]:
        for name, source in value.items():
            if not FEED_NAME.match(name):
                raise ValueError(f"feed name {name!r}: use letters, digits, '-' or '_'")
            if not source.strip():
                raise ValueError(f"feed {name!r}: empty source")
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> NewsSection:
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_max_s must be at least backoff_base_s")
        return self

    def fetch_limits(self) -> FetchLimits:
        """The fetcher's limits from this section."""
        return self.pick(FetchLimits)

    def parse_limits(self) -> ParseLimits:
        """How much of each feed becomes headlines."""
        return self.pick(ParseLimits)
