"""A headline: cleaned, plain text from a feed, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Headline:
    """One feed entry after cleaning: every string is plain, capped text."""

    title: str
    link: str | None
    source: str
    published: datetime | None = None
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        """The public JSON form: `title`, `link`, `source`, `published` (ISO 8601 or null)."""
        return {
            "title": self.title,
            "link": self.link,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
        }

    @classmethod
    def from_json(cls, row: Any) -> Headline | None:
        """Read back a row written by `to_json`; None when it is not one."""
        if not isinstance(row, dict):
            return None
        title, link, source = row.get("title"), row.get("link"), row.get("source")
        if not (isinstance(title, str) and title and isinstance(source, str)):
            return None
        if link is not None and not isinstance(link, str):
            return None
        published = None
        if isinstance(row.get("published"), str):
            try:
                published = datetime.fromisoformat(row["published"])
            except ValueError:
                published = None
        return cls(title=title, link=link, source=source, published=published)
