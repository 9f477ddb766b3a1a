"""Feed bytes -> headlines, on the fixture feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.news.parse import FeedError, ParseLimits, parse_feed

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def load(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def test_rss() -> None:
    headlines = parse_feed(load("bbc.rss"), "bbc.rss")
    assert len(headlines) == 5
    first = headlines[0]
    assert first.title == "Town library extends opening hours for the summer"
    assert first.source == "BBC News"
    assert first.link == "https://www.bbc.co.uk/news/articles/library-hours"
    assert first.published is not None and first.published.isoformat().startswith("2026-11-27")
    assert first.to_json()["published"] == "2026-11-27T06:00:00+00:00"


def test_atom_html_title_and_given_name() -> None:
    headlines = parse_feed(load("science.atom"), "x", name="the Science Desk")
    assert headlines[1].title == "Telescope finds a water-rich planet"
    assert headlines[0].summary == "A rare penguin."
    assert {h.source for h in headlines} == {"the Science Desk"}


def test_hostile_titles_become_plain_text() -> None:
    headlines = parse_feed(load("hostile.rss"), "hostile")
    titles = [h.title for h in headlines]
    assert titles[0] == "Markets rise & fall"
    assert headlines[0].link is None  # javascript: link dropped
    assert titles[1] == "Cats love boxes" and headlines[1].link == "https://ok.example/cats"
    assert titles[2] == "Bidi txet desrever and zerowidth here"
    assert "" not in titles  # the blank title is skipped


def test_latin1_feed_is_decoded() -> None:
    assert parse_feed(load("latin1.rss"), "fr")[0].title == "Café naïve résumé à Paris"


def test_limits() -> None:
    limits = ParseLimits(max_entries=2, title_max_chars=20)
    headlines = parse_feed(load("bbc.rss"), "bbc", limits)
    assert len(headlines) == 2 and all(len(h.title) <= 20 for h in headlines)


def test_empty_feed_has_no_headlines_but_parses() -> None:
    assert parse_feed(load("empty.rss"), "quiet") == []


@pytest.mark.parametrize("name", ["jsonfeed.json", "not_a_feed.html"])
def test_not_a_feed(name: str) -> None:
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(load(name), name)


def test_entity_expansion_is_bounded() -> None:
    headlines = parse_feed(load("billion_laughs.xml"), "lol")
    assert all(len(h.title) <= 200 for h in headlines)


def test_bytes_naming_a_file_are_not_opened(tmp_path: Path) -> None:
    feed = tmp_path / "secret.rss"
    feed.write_bytes(load("bbc.rss"))
    # feedparser would open a path given as bytes; we hand it a stream instead.
    with pytest.raises(FeedError):
        parse_feed(str(feed).encode(), "path")


def test_external_doctype_does_not_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>T</title><item><title>A &x; B</title></item>'
        "</channel></rss>"
    ).encode()
    try:
        headlines = parse_feed(data, "doctype")
    except FeedError:
        headlines = []
    assert all("TOPSECRET" not in h.title for h in headlines)
