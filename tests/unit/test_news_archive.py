"""The headline archive: JSON lines, no repeats, rotated by size."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from assistant.news.archive import append_archive, archive_path
from assistant.news.dedup import dedupe, fingerprint, similar
from assistant.news.headline import Headline


def headline(title: str, link: str | None = None, source: str = "BBC News") -> Headline:
    return Headline(title, link, source, datetime(2026, 11, 27, 6, tzinfo=UTC))


def test_rows_and_no_repeats(tmp_path: Path) -> None:
    path = archive_path(tmp_path)
    batch = [headline("A", "https://x.test/a"), headline("B")]
    assert append_archive(batch, path) == 2
    assert append_archive([*batch, headline("C")], path) == 1
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["title"] for r in rows] == ["A", "B", "C"]
    assert rows[0] == {
        "title": "A",
        "link": "https://x.test/a",
        "source": "BBC News",
        "published": "2026-11-27T06:00:00+00:00",
    }
    assert Headline.from_json(rows[0]) == batch[0]


def test_rotation(tmp_path: Path) -> None:
    path = archive_path(tmp_path)
    for i in range(40):
        append_archive([headline(f"headline number {i} " + "x" * 100)], path, max_bytes=1000)
    older = path.with_name("archive.1.jsonl")
    assert older.exists() and path.stat().st_size <= 1000 + 300
    assert older.stat().st_size <= 1000 + 300


def test_from_json_rejects_junk() -> None:
    assert Headline.from_json({"title": 3, "source": "x"}) is None
    assert Headline.from_json("text") is None
    assert Headline.from_json({"title": "t", "source": "s", "link": 4}) is None
    odd = Headline.from_json({"title": "t", "source": "s", "published": "never"})
    assert odd is not None and odd.published is None


def test_near_duplicates_collapse() -> None:
    a = headline("Rare orange penguin spotted on Antarctic beach")
    b = headline("Rare orange penguin spotted on an Antarctic beach", source="Science Daily")
    c = headline("Bees learn to count to five")
    assert similar(fingerprint(a.title), fingerprint(b.title))
    assert not similar(fingerprint(a.title), fingerprint(c.title))
    assert dedupe([a, b, c]) == [a, c]
    assert dedupe([b, c], seen=[fingerprint(a.title)]) == [c]
