"""`assistant headlines` over hundreds of odd feed files: no crash, only plain capped text."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from assistant.news.clean import DROPPED_CATEGORIES
from tests.conftest import write_config
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
ODD = ["\u202e", "\u200b", "\ufeff", "\x00", "\x1b[31m", "<script>", "&#0;", "&bogus;", "\ud7ff"]


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One odd variant of a feed: cut, flipped, salted with hostile characters, or noise."""
    choice = rng.randrange(6)
    if choice == 0:
        return data[: rng.randrange(len(data) + 1)]
    if choice == 1:
        raw = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if choice == 2:
        text = data.decode("utf-8", "replace")
        at = text.find("<title>") + 7 if "<title>" in text else 0
        salt = "".join(rng.choice(ODD) for _ in range(rng.randrange(1, 8)))
        return (text[:at] + salt + text[at:]).encode("utf-8", "surrogatepass")
    if choice == 3:
        return data.replace(b"<title>", b"<title>" + b"A" * rng.randrange(1000, 20000), 1)
    if choice == 4:
        return rng.randbytes(rng.randrange(0, 4000))
    return data.replace(b"UTF-8", rng.choice([b"UTF-16", b"latin-1", b"bogus", b"utf-32"]))


def test_hundreds_of_odd_files(tmp_path: Path) -> None:
    rng = random.Random(20261127)
    seeds = [p.read_bytes() for p in sorted(FEEDS.iterdir()) if p.is_file()]
    paths = []
    for n in range(300):
        path = tmp_path / f"odd{n:03d}.xml"
        path.write_bytes(mutate(rng, rng.choice(seeds)))
        paths.append(str(path))
    done = assistant("headlines", "--json", *paths, str(FEEDS / "bbc.rss"), timeout=240)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) >= 5
    for row in rows:
        assert set(row) == {"title", "link", "source", "published"}
        for text in (row["title"], row["source"]):
            assert 0 < len(text) <= 200 and "<" not in text and ">" not in text
            assert not any(unicodedata.category(c) in DROPPED_CATEGORIES for c in text)
        assert row["link"] is None or row["link"].startswith(("http://", "https://"))
    for line in done.stderr.splitlines():
        assert line.startswith("headlines: "), line


def test_exit_codes_names_and_text_output(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "a.toml", f"[news]\nfeeds = {{ bbc = {json.dumps(str(FEEDS / 'bbc.rss'))} }}\n"
    )
    done = assistant("--config", str(path), "headlines", "bbc", str(tmp_path / "missing.xml"))
    assert done.stdout.splitlines()[0] == (
        "BBC News: Town library extends opening hours for the summer "
        "<https://www.bbc.co.uk/news/articles/library-hours>"
    )
    assert done.stderr.startswith(f"headlines: {tmp_path / 'missing.xml'}: cannot open")
    none = assistant("headlines", str(tmp_path / "missing.xml"), "javascript:alert(1)", check=False)
    assert none.returncode == 2 and none.stdout == ""
    assert len(none.stderr.splitlines()) == 2


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # `assistant headlines ... | head -1`: the pipe closes after the first line, long before
    # the output (far more than a pipe buffer) is written.
    bin_ = Path(sys.executable).with_name("assistant")
    sources = " ".join([str(FEEDS / "bbc.rss")] * 400)
    shell = f"{bin_} headlines {sources} | head -1"
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, timeout=120, check=False
    )
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
