"""hn-troll against a fake model: labelled parody, no tragedies, filtered, not repeated."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.llm.contract import words
from assistant.testing import FakeFetcher, FakeLLM, FixedClock, fake_context
from skills.hn_troll import MAX_WORDS, NOTHING_NEW, HnTrollSkill

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
HN = "https://hn.test/rss"
MOMENT = datetime(2026, 11, 27, 17, 0)
COMMENT = "Cute, but real engineers use a slide rule and a very long weekend."


def run(
    llm: FakeLLM,
    tmp_path: Path,
    pages: dict[str, bytes | Exception] | None = None,
    **options: object,
):  # type: ignore[no-untyped-def]
    skill = HnTrollSkill(HnTrollSkill.Config.model_validate({"feed": HN, **options}))
    http = FakeFetcher({HN: (FEEDS / "hn.rss").read_bytes()} if pages is None else pages)
    return skill.run(fake_context(FixedClock(MOMENT), tmp_path, llm=llm, http=http))


def test_labelled_parody_on_the_first_story(tmp_path: Path) -> None:
    llm = FakeLLM([COMMENT])
    reply = run(llm, tmp_path)
    title = "Show HN: I built a spreadsheet that runs on a calculator"
    assert reply.text == f'A parody Hacker News comment, not a real one, on "{title}": {COMMENT}'
    assert reply.tainted and reply.sources == ["https://example.org/calc-sheet"]
    assert llm.calls[0][0][-1]["content"] == f"Story: «{title}»"


def test_stories_are_not_repeated_and_tragedies_skipped(tmp_path: Path) -> None:
    titles = [run(FakeLLM([COMMENT]), tmp_path).data["story"]["title"] for _ in range(3)]
    assert titles == [
        "Show HN: I built a spreadsheet that runs on a calculator",
        "Why we stopped using microservices",
        "A gentle introduction to compilers",
    ]
    # The fourth story is about a death: it is never parodied.
    assert run(FakeLLM([COMMENT]), tmp_path).text == NOTHING_NEW


def test_bad_comments_fall_back(tmp_path: Path) -> None:
    llm = FakeLLM(["You are all stupid idiots.", "word " * 50, "Visit https://evil.example now"])
    reply = run(llm, tmp_path, retries=2)
    assert len(llm.calls) == 3 and reply.data["fallback"] is True
    assert reply.text.startswith("A parody Hacker News comment, not a real one, on")
    comment = reply.text.split('": ', 1)[1]
    assert len(words(comment)) <= MAX_WORDS and "stupid" not in reply.text


def test_feed_down(tmp_path: Path) -> None:
    reply = run(FakeLLM([COMMENT]), tmp_path, pages={})
    assert reply.text.startswith("The Hacker News front page is unavailable")
    assert reply.data["failures"]


def test_the_comment_names_nobody_the_story_does_not_but_its_stock(tmp_path: Path) -> None:
    named = "Cute, but Google did this in 2004 with a calculator the size of a fridge."
    stock = "Cute. I wrote this spreadsheet in Rust on a calculator in 1997."
    llm = FakeLLM([named, stock])
    reply = run(llm, tmp_path, retries=2)
    assert reply.data["fallback"] is False and reply.text.endswith(stock)
    assert "Google" not in reply.text
    # Few-shot examples: the bank's nearest to the story, as a fixed prefix.
    messages, options = llm.calls[0]
    assert options.fixed_prefix == 7
    assert all(m["content"].startswith("Story: «") for m in messages[1:-1:2])
