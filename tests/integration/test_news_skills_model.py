"""The news skills with the real bundled model, and `run-skill` on local fixture feeds."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from assistant.llm.contract import words
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.quality.grounding import is_grounded
from assistant.quality.rhyme import no_rhyme
from assistant.testing import FixedClock, fake_context
from skills._lib.untrusted import STEERED
from skills._lib.wordfilter import HATEFUL, is_tragic
from skills.fake_quote import FakeQuoteSkill
from skills.hn_troll import MAX_WORDS, HnTrollSkill
from skills.seuss_news import SeussNewsSkill
from tests.conftest import write_config
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
MORNING = datetime(2026, 11, 27, 7, 30)


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    # One thread: on a CPU shared with other work, llama.cpp's spinning threads slow down a lot.
    llm = LocalEngine(resolve_model(DEFAULT_MODEL), threads=1)
    yield llm
    llm.close()


def check_item(item: dict[str, str]) -> None:
    assert item["mode"] in {"seuss", "plain"}
    # The listener always hears the real headline first.
    plain = f"From {item['source']}: {item['headline'].rstrip('.')}."
    assert item["text"].startswith(plain)
    rhyme = item["retelling"]
    if item["mode"] == "seuss":
        assert item["text"] == f"{plain} {' '.join(rhyme.splitlines())}"
        assert len(words(rhyme)) <= 25 and not is_tragic(rhyme)
        assert STEERED.search(rhyme) is None and not HATEFUL & set(words(rhyme))
        assert no_rhyme(rhyme) is None and is_grounded(rhyme, item["headline"])
    else:
        assert item["text"] == plain and rhyme == ""


def test_seuss_news_with_the_real_model(engine: LocalEngine, tmp_path: Path) -> None:
    feeds = [str(FEEDS / "bbc.rss"), str(FEEDS / "science.atom")]
    skill = SeussNewsSkill(SeussNewsSkill.Config(feeds=feeds, max_headlines=3))  # type: ignore[arg-type]
    reply = skill.run(fake_context(FixedClock(MORNING), tmp_path, llm=engine))  # type: ignore[arg-type]
    items = reply.data["items"]
    assert len(items) == 3
    for item in items:
        check_item(item)
    # The model must be doing real work, not the plain reading every time.
    assert any(item["mode"] == "seuss" for item in items), items


def test_injection_headlines_with_the_real_model(engine: LocalEngine, tmp_path: Path) -> None:
    skill = SeussNewsSkill(
        SeussNewsSkill.Config(feeds=[str(FEEDS / "injection.rss")], max_headlines=2, retries=1)  # type: ignore[list-item]
    )
    own = tmp_path / "skill"
    # The app's own state (the headline archive) lives apart from the skill's.
    ctx = fake_context(FixedClock(MORNING), own, llm=engine, app_state=tmp_path / "app")  # type: ignore[arg-type]
    reply = skill.run(ctx)
    assert len(reply.data["items"]) == 2
    for item in reply.data["items"]:
        check_item(item)
    assert sorted(p.name for p in own.iterdir()) == ["last_good.json", "spoken.json"]


def test_fake_quote_and_hn_troll_with_the_real_model(engine: LocalEngine, tmp_path: Path) -> None:
    ctx = fake_context(FixedClock(MORNING), tmp_path, llm=engine)  # type: ignore[arg-type]
    quote = FakeQuoteSkill(FakeQuoteSkill.Config(feeds=[str(FEEDS / "bbc.rss")])).run(ctx)  # type: ignore[list-item]
    assert quote.text.startswith("A made-up quote, in the style of ")
    assert quote.data["headline"] is not None  # about a light headline of the feed
    assert len(words(quote.text)) < 50 and not HATEFUL & set(words(quote.text))
    troll = HnTrollSkill(HnTrollSkill.Config(feed=str(FEEDS / "hn.rss"))).run(ctx)
    assert troll.text.startswith("A parody Hacker News comment, not a real one, on ")
    comment = troll.text.split('": ', 1)[1]
    assert len(words(comment)) <= MAX_WORDS and not HATEFUL & set(words(comment))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(tmp_path: Path, feeds: list[str], name: str = "a.toml") -> str:
    listed = ", ".join(json.dumps(f) for f in feeds)
    text = (
        "[llm]\nthreads = 1\n"
        f"[skills.seuss-news]\nfeeds = [{listed}]\nmax_headlines = 2\nretries = 1\n"
        f"[skills.briefing]\nfeeds = [{listed}]\nmax_headlines = 2\n"
    )
    return str(write_config(tmp_path / name, text))


def run_skill(path: str, skill: str = "seuss-news") -> dict[str, object]:
    done = assistant(
        "--config", path, "run-skill", skill, "--at", "2026-11-27T07:30", "--no-speak", "--json"
    )
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_run_skill_json_then_every_feed_down(tmp_path: Path) -> None:
    good = config(tmp_path, [str(FEEDS / "bbc.rss"), str(FEEDS / "science.atom")])
    out = run_skill(good)
    items = out["items"]
    assert isinstance(items, list) and len(items) == 2
    assert [i["source"] for i in items] == ["BBC News", "Science Daily"]
    for item in items:
        assert set(item) == {"headline", "source", "link", "text", "mode", "retelling"}
        check_item(item)
    assert out["tainted"] is True and len(out["sources"]) == 2  # type: ignore[arg-type]

    down = [str(tmp_path / "missing.rss"), f"http://127.0.0.1:{closed_port()}/rss"]
    out = run_skill(config(tmp_path, down, "down.toml"))
    text = str(out["text"])
    assert text.startswith("The news feeds are down, so these headlines are from earlier today.")
    assert out["stale"] is True and len(out["failures"]) == 2  # type: ignore[arg-type]


def test_every_feed_down_and_nothing_saved(tmp_path: Path) -> None:
    down = [str(tmp_path / "missing.rss"), f"http://127.0.0.1:{closed_port()}/rss"]
    out = run_skill(config(tmp_path, down))
    assert out["text"] == "The news is unavailable right now." and out["items"] == []


def test_briefing_run_skill(tmp_path: Path) -> None:
    out = run_skill(config(tmp_path, [str(FEEDS / "bbc.rss")]), "briefing")
    lines = str(out["text"]).splitlines()
    assert lines[0] == "Good morning!"
    assert "07:30" in "\n".join(lines[1:3])
    news = [ln for ln in lines if ln.startswith("From BBC News: ")]
    assert len(news) == 2
    assert lines[-1].startswith("A made-up quote, in the style of ")
