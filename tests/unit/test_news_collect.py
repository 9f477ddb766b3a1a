"""Reading many sources: files and URLs, names from [news], one failure never stops the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.errors import FetchError
from assistant.news.collect import collect, interleave
from assistant.news.sources import FeedRef, read_file, read_source, resolve_source
from assistant.testing import FakeFetcher

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def test_sources_are_paths_file_urls_or_http() -> None:
    http = FakeFetcher({"https://feeds.test/bbc": (FEEDS / "bbc.rss").read_bytes()})
    path = FEEDS / "bbc.rss"
    assert read_source(str(path), http, 10**6) == path.read_bytes()
    assert read_source(path.as_uri(), http, 10**6) == path.read_bytes()
    assert read_source("https://feeds.test/bbc", http, 10**6) == path.read_bytes()
    with pytest.raises(FetchError, match="only http, https and file"):
        read_source("javascript:alert(1)", http, 10**6)


def test_files_are_capped_and_must_be_regular(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(FetchError, match="larger than 1000"):
        read_file(big, 1000)
    with pytest.raises(FetchError, match="cannot open"):
        read_file(tmp_path / "missing.xml", 1000)
    with pytest.raises(FetchError, match="not a regular file"):
        read_file(tmp_path, 1000)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(FetchError, match="not a regular file"):
        read_file(fifo, 1000)


def test_names_resolve_from_the_news_section() -> None:
    named = {"bbc": "https://feeds.test/bbc"}
    assert resolve_source("bbc", named) == FeedRef("https://feeds.test/bbc")
    assert resolve_source("other.xml", named) == FeedRef("other.xml")


def test_one_bad_feed_does_not_stop_the_others() -> None:
    http = FakeFetcher({"https://feeds.test/down": ConnectionError("refused")})
    refs = [
        FeedRef(str(FEEDS / "bbc.rss")),
        FeedRef("https://feeds.test/down"),
        FeedRef(str(FEEDS / "broken.xml")),
        FeedRef(str(FEEDS / "jsonfeed.json")),
        FeedRef(str(FEEDS / "science.atom"), name="the Science Desk"),
    ]
    results = collect(refs, http)
    assert [r.ok for r in results] == [True, False, True, False, True]
    assert "refused" in (results[1].error or "")
    assert results[4].headlines[0].source == "the Science Desk"
    mixed = interleave(results)
    assert [h.source for h in mixed[:3]] == ["BBC News", "BBC News", "the Science Desk"]


def test_unexpected_errors_become_results() -> None:
    class Broken:
        def fetch(self, url: str) -> bytes:
            raise RuntimeError("bug")

    (result,) = collect([FeedRef("https://feeds.test/x")], Broken())
    assert result.error == "RuntimeError: bug"
