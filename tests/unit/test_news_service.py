"""The news service skills get as ctx.news: [news] limits apply, named feeds resolve."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.news.settings import NewsSection
from assistant.testing import FakeFetcher, FixedClock, fake_context

URL = "https://news.test/rss"
MORNING = datetime(2026, 11, 27, 7, 30)


def feed(n: int, title: str = "Headline") -> bytes:
    items = "".join(
        f"<item><title>{title} number {i} {'x' * 300}</title><link>{URL}/{title}/{i}</link></item>"
        for i in range(n)
    )
    channel = f"<channel><title>T</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def test_news_limits_come_from_the_news_section(tmp_path: Path) -> None:
    section = NewsSection(max_entries=5, title_max_chars=40)
    ctx = fake_context(
        FixedClock(MORNING), tmp_path, http=FakeFetcher({URL: feed(60)}), news=section
    )
    news = ctx.news.gather([URL])
    assert len(news.headlines) == 5  # not the 30 the skills used to hard-code
    assert all(len(h.title) <= 40 for h in news.headlines)


def test_skills_may_name_feeds_from_the_news_section(tmp_path: Path) -> None:
    section = NewsSection(feeds={"local": URL, "other": "https://other.test/rss"})
    pages = {URL: feed(2, "Local"), "https://other.test/rss": feed(2, "Other")}
    ctx = fake_context(FixedClock(MORNING), tmp_path, http=FakeFetcher(pages), news=section)
    named = ctx.news.gather(["local"])
    assert {h.title.split()[0] for h in named.headlines} == {"Local"}
    everything = ctx.news.gather()  # a skill that names no feeds hears them all
    assert {h.title.split()[0] for h in everything.headlines} == {"Local", "Other"}


def test_the_archive_is_capped_by_the_news_section(tmp_path: Path) -> None:
    section = NewsSection(archive_max_bytes=64 * 1024)
    app_state = tmp_path / "app"
    for day in range(1, 10):  # about 14 KiB of headlines a day
        pages = {URL: feed(50, f"Day{day}")}
        ctx = fake_context(
            FixedClock(MORNING.replace(day=day)),
            tmp_path / "skill",
            http=FakeFetcher(pages),
            news=section,
            app_state=app_state,
        )
        ctx.news.gather([URL])
    archive = app_state / "news" / "archive.jsonl"
    assert archive.stat().st_size <= 64 * 1024 + 50 * 1024  # rotated past the configured cap
    assert (app_state / "news" / "archive.1.jsonl").exists()
