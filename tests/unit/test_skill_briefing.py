"""The briefing against fakes: order of parts, time budget, feeds down."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from assistant.llm.base import Message
from assistant.testing import FakeFetcher, FakeLLM, FixedClock, fake_context
from skills.briefing import BriefingSkill
from skills.clock import UNSURE

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
BBC = "https://feeds.test/bbc"
MORNING = datetime(2026, 11, 27, 7, 30)
COUPLET = "The sun is up, the kettle hums,\nat 07:30 the morning comes."
RHYME = "What a happy thing to see,\na treat for you and me!"
LIBRARY = "From BBC News: Town library extends opening hours for the summer."
SAID = f"{LIBRARY} What a happy thing to see, a treat for you and me!"
QUOTE = "Mornings are delightful, provided they begin after lunch."


def answer(messages: list[Message]) -> str:
    """Each part's prompt gets a fitting answer."""
    system = messages[0]["content"]
    if "couplet" in system:
        return COUPLET
    if "Dr. Seuss" in system:
        return RHYME
    return QUOTE


def run(tmp_path: Path, http: FakeFetcher, moment: datetime = MORNING, **options: object):  # type: ignore[no-untyped-def]
    skill = BriefingSkill(BriefingSkill.Config.model_validate({"feeds": [BBC], **options}))
    llm = FakeLLM(answer)
    reply = skill.run(fake_context(FixedClock(moment), tmp_path, llm=llm, http=http))
    return reply, llm


def bbc() -> FakeFetcher:
    return FakeFetcher({BBC: (FEEDS / "bbc.rss").read_bytes()})


def test_clock_then_headlines_then_quote(tmp_path: Path) -> None:
    reply, _llm = run(tmp_path, bbc(), max_headlines=2)
    lines = reply.text.splitlines()
    assert lines[0] == "Good morning!"
    assert lines[1:3] == COUPLET.splitlines()
    assert lines[3] == SAID and lines[4].startswith("From BBC News:")
    assert lines[5].startswith("A made-up quote, in the style of ") and QUOTE in lines[5]
    assert len(reply.data["items"]) == 2 and reply.tainted


def test_feeds_down_says_yesterday_then_unavailable(tmp_path: Path) -> None:
    run(tmp_path, bbc(), max_headlines=2)
    reply, _ = run(tmp_path, FakeFetcher({}), MORNING + timedelta(days=1), max_headlines=2)
    assert "The news feeds are down, so these headlines are from yesterday." in reply.text
    reply, _ = run(tmp_path / "fresh", FakeFetcher({}), max_headlines=2)
    assert "The news is unavailable right now." in reply.text
    assert reply.text.splitlines()[-1].startswith("A made-up quote")


def test_out_of_time_every_part_is_said_without_the_model(tmp_path: Path) -> None:
    reply, llm = run(tmp_path, bbc(), max_headlines=2, time_budget_s=1e-9)
    assert llm.calls == []
    lines = reply.text.splitlines()
    assert lines[1] == "It is 07:30."
    assert [i["mode"] for i in reply.data["items"]] == ["plain", "plain"]
    assert lines[-1].startswith("A made-up quote, in the style of ")


def test_parts_can_be_turned_off(tmp_path: Path) -> None:
    reply, _ = run(tmp_path, bbc(), clock=False, quote=False, max_headlines=1, greeting="")
    assert reply.text == SAID


def test_an_unsynchronised_clock_is_never_stated(tmp_path: Path) -> None:
    skill = BriefingSkill(
        BriefingSkill.Config.model_validate({"feeds": [BBC], "time_budget_s": 1e-9})
    )
    clock = FixedClock(MORNING, synchronized=False)
    reply = skill.run(fake_context(clock, tmp_path, llm=FakeLLM(answer), http=bbc()))
    assert reply.text.splitlines()[1] == UNSURE
    assert "07:30" not in reply.text


def test_the_greeting_follows_the_hour(tmp_path: Path) -> None:
    said = {
        hour: run(tmp_path / str(hour), bbc(), MORNING.replace(hour=hour), max_headlines=0)[0]
        for hour in (7, 13, 20, 2)
    }
    first = {hour: reply.text.splitlines()[0] for hour, reply in said.items()}
    assert first == {
        7: "Good morning!",
        13: "Good afternoon!",
        20: "Good evening!",
        2: "Good evening!",
    }
    custom, _ = run(tmp_path / "custom", bbc(), max_headlines=0, greeting="Hello, house!")
    assert custom.text.splitlines()[0] == "Hello, house!"


def test_the_quotes_headline_is_among_the_sources_once(tmp_path: Path) -> None:
    reply, _ = run(tmp_path / "quote", bbc(), max_headlines=0)
    assert reply.text.splitlines()[-1].startswith("A made-up quote")
    assert len(reply.sources) == 1 and [c.link for c in reply.cited] == reply.sources
    # The quote was about the headline the news just told: it is cited once.
    told, _ = run(tmp_path / "told", bbc(), max_headlines=1)
    assert told.sources == reply.sources == [told.data["items"][0]["link"]]
    assert len(told.cited) == 1
