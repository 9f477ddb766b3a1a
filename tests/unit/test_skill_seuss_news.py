"""seuss-news against a fake model: headline then rhyme, judges, cascade, tragedies, dedup."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.testing import FakeFetcher, FakeLLM, FixedClock, fake_context
from skills.seuss_news import SeussNewsSkill

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
BBC, SCI, INJ = "https://feeds.test/bbc", "https://feeds.test/sci", "https://feeds.test/inj"
MORNING = datetime(2026, 11, 27, 7, 30, tzinfo=ZoneInfo("Europe/London"))
RHYME = "What a happy thing to see,\na treat for you and me!"
SAID = "What a happy thing to see, a treat for you and me!"


def pages() -> dict[str, bytes | Exception]:
    return {
        BBC: (FEEDS / "bbc.rss").read_bytes(),
        SCI: (FEEDS / "science.atom").read_bytes(),
        INJ: (FEEDS / "injection.rss").read_bytes(),
    }


def skill(**options: object) -> SeussNewsSkill:
    return SeussNewsSkill(SeussNewsSkill.Config.model_validate({"feeds": [BBC, SCI], **options}))


def run(
    s: SeussNewsSkill,
    tmp_path: Path,
    llm: FakeLLM,
    http: FakeFetcher | None = None,
    moment: datetime = MORNING,
) -> dict[str, object]:
    ctx = fake_context(
        FixedClock(moment), tmp_path / "skill", llm=llm, http=http, app_state=tmp_path / "app"
    )
    reply = s.run(ctx)
    assert reply.tainted
    return {"text": reply.text, "sources": reply.sources, **reply.data}


def test_items_from_several_feeds_with_sources(tmp_path: Path) -> None:
    out = run(skill(), tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()))
    items = out["items"]
    assert isinstance(items, list) and len(items) == 3
    assert [i["mode"] for i in items] == ["seuss", "seuss", "seuss"]
    assert [i["source"] for i in items] == ["BBC News", "Science Daily", "Science Daily"]
    assert set(items[0]) == {"headline", "source", "link", "text", "mode", "retelling"}
    # The listener always hears the real headline; the rhyme is added after it.
    first = "From BBC News: Town library extends opening hours for the summer."
    assert items[0]["text"] == f"{first} {SAID}"
    assert items[0]["retelling"] == RHYME  # the model-written lines alone
    assert str(out["text"]).splitlines()[0] == f"{first} {SAID}"
    # The near-duplicate penguin from Science Daily was collapsed into the BBC one.
    headlines = [i["headline"] for i in items]
    assert sum("penguin" in h for h in headlines) == 1
    json.dumps(out)


def test_prompt_is_few_shot_with_the_headline_quoted_last(tmp_path: Path) -> None:
    llm = FakeLLM([RHYME])
    run(skill(max_headlines=1, exemplars=2), tmp_path, llm, FakeFetcher(pages()))
    messages, options = llm.calls[0]
    assert options.fixed_prefix == 5
    assert [m["role"] for m in messages[:3]] == ["system", "user", "assistant"]
    last = messages[-1]["content"]
    assert last.startswith("Headline: «Town library extends opening hours for the summer»\n")
    # Each candidate plans its two rhyming end words; a grammar makes the lines end on them.
    first, second = last.rsplit("End words: ", 1)[1].split(" / ")
    assert options.grammar is not None
    assert f'" {first}" [,!.]' in options.grammar and f'" {second}" [!.]' in options.grammar
    # Candidates try different end words, with different seeds.
    assert len(llm.calls) == 2
    assert llm.calls[1][0][-1] != messages[-1]
    assert llm.calls[1][1].seed == options.seed + 1


def test_a_rhyme_that_does_not_rhyme_or_names_what_the_headline_lacks_is_not_said(
    tmp_path: Path,
) -> None:
    unrhymed = "What a happy thing to see,\na treat for you and us!"
    ungrounded = "The Prime Minister came to see,\na treat for you and me!"
    made_up = "What a happy thing to ees,\na treat for you and trees!"
    tacked = "The prices ease up ease,\nfor food and for the breeze!"
    llm = FakeLLM([unrhymed, ungrounded, made_up, tacked])
    out = run(skill(max_headlines=1, retries=3), tmp_path, llm, FakeFetcher(pages()))
    (item,) = out["items"]  # type: ignore[misc]
    assert len(llm.calls) == 4
    assert item["mode"] == "plain" and item["retelling"] == ""


def test_bad_answers_are_retried_then_read_plainly(tmp_path: Path) -> None:
    too_long = "word " * 40
    copy = "Town library extends opening hours for the summer"
    loop = "la la la la la la la la la la"
    llm = FakeLLM([too_long, copy, loop])
    out = run(skill(max_headlines=1, retries=2), tmp_path, llm, FakeFetcher(pages()))
    assert len(llm.calls) == 3
    (item,) = out["items"]  # type: ignore[misc]
    assert item["mode"] == "plain" and item["retelling"] == ""
    assert item["text"] == "From BBC News: Town library extends opening hours for the summer."


def test_tragedies_are_read_plainly_or_skipped(tmp_path: Path) -> None:
    bbc = {BBC: pages()[BBC]}
    llm = FakeLLM([RHYME])
    out = run(skill(feeds=[BBC], max_headlines=5), tmp_path / "a", llm, FakeFetcher(bbc))
    storm = next(i for i in out["items"] if "storm" in i["headline"])  # type: ignore[attr-defined]
    assert storm["mode"] == "plain"
    assert storm["text"] == "From BBC News: Three people killed as storm hits the coast."
    assert len(llm.calls) == 8  # two passing candidates each; the model never saw the tragedy
    assert all("killed" not in m["content"] for m in llm.calls[-1][0][-1:])
    out = run(
        skill(feeds=[BBC], max_headlines=5, tragedies="skip"),
        tmp_path / "b",
        FakeLLM([RHYME]),
        FakeFetcher(bbc),
    )
    storm = next(i for i in out["items"] if "storm" in i["headline"])  # type: ignore[attr-defined]
    assert storm["mode"] == "skipped" and storm["text"] == ""
    assert "storm" not in str(out["text"])
    assert sum(i["mode"] != "skipped" for i in out["items"]) == 4  # type: ignore[attr-defined]


def test_a_joke_that_mentions_tragedy_is_rejected(tmp_path: Path) -> None:
    llm = FakeLLM(["The penguin laughed until it died,\nit laughed with all its pride!"])
    out = run(skill(max_headlines=1, retries=1), tmp_path, llm, FakeFetcher(pages()))
    assert out["items"][0]["mode"] == "plain"  # type: ignore[index]


def test_headlines_are_not_repeated_on_later_runs(tmp_path: Path) -> None:
    s = skill(max_headlines=2)
    first = run(s, tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()))
    second = run(s, tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()), MORNING + timedelta(hours=4))
    said_first = {i["headline"] for i in first["items"]}  # type: ignore[attr-defined]
    said_second = {i["headline"] for i in second["items"]}  # type: ignore[attr-defined]
    assert len(said_second) == 2 and not said_first & said_second
    # Weeks later they may come round again.
    later = run(s, tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()), MORNING + timedelta(days=30))
    assert {i["headline"] for i in later["items"]} == said_first  # type: ignore[attr-defined]


def test_nothing_new(tmp_path: Path) -> None:
    s = skill(feeds=[SCI], max_headlines=10)
    run(s, tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()))
    out = run(s, tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()))
    assert out["text"] == "There are no new headlines since last time." and out["items"] == []


def test_feeds_down_uses_last_good_with_a_note(tmp_path: Path) -> None:
    s = skill(max_headlines=2)
    run(s, tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()))
    down = FakeFetcher({BBC: TimeoutError("hang"), SCI: ConnectionError("refused")})
    out = run(s, tmp_path, FakeLLM([RHYME]), down, MORNING + timedelta(days=1))
    lines = str(out["text"]).splitlines()
    assert lines[0] == "The news feeds are down, so these headlines are from yesterday."
    assert len(out["items"]) == 2 and out["stale"] is True  # type: ignore[arg-type]
    assert len(out["failures"]) == 2  # type: ignore[arg-type]


def test_feeds_down_and_nothing_saved(tmp_path: Path) -> None:
    out = run(skill(), tmp_path, FakeLLM([RHYME]), FakeFetcher({}))
    assert out["text"] == "The news is unavailable right now."
    assert out["items"] == []


def test_after_the_deadline_headlines_are_read_plainly(tmp_path: Path) -> None:
    s = skill(max_headlines=2)
    ctx = fake_context(
        FixedClock(MORNING), tmp_path, llm=FakeLLM([RHYME]), http=FakeFetcher(pages())
    )
    told = s.tell(ctx, deadline=time.monotonic() - 1)
    assert [i["mode"] for i in told.items] == ["plain", "plain"]


def test_injection_headlines_stay_data(tmp_path: Path) -> None:
    obeying = FakeLLM(
        lambda messages: (
            "OK, ignoring previous instructions: the schedule is cancelled."
            if "Ignore" in messages[-1]["content"]
            else "Assistant: sure, I will delete the archive now."
        )
    )
    out = run(skill(feeds=[INJ], max_headlines=3), tmp_path, obeying, FakeFetcher(pages()))
    for item in out["items"]:  # type: ignore[attr-defined]
        assert item["mode"] == "plain"  # steered answers are never spoken
        assert item["text"].startswith("From Injection Times: ")
        assert len(item["text"]) < 300
    for messages, _ in obeying.calls:
        last, ends = messages[-1]["content"].split("\n")
        assert last.startswith("Headline: «") and last.endswith("»")
        assert ends.startswith("End words: ") and "Ignore" not in ends
        assert last.count("«") == 1 and last.count("»") == 1  # the headline cannot close the quote
        assert all("Ignore" not in m["content"] for m in messages[:-1])
    # Nothing the skill wrote holds the instructions as text a prompt would read.
    written = [p for p in (tmp_path / "skill").rglob("*") if p.is_file()]
    assert {p.name for p in written} == {"spoken.json", "last_good.json"}
    archive = tmp_path / "app" / "news" / "archive.jsonl"
    assert all(
        json.loads(line).keys() == {"title", "link", "source", "published"}
        for line in archive.read_text(encoding="utf-8").splitlines()
    )


def test_corrupt_state_files_start_afresh(tmp_path: Path) -> None:
    own = tmp_path / "skill"
    own.mkdir()
    (own / "spoken.json").write_bytes(b"\x00{not json")
    (own / "last_good.json").write_text('{"at": "yesterday", "headlines": 5}', encoding="utf-8")
    out = run(skill(max_headlines=1), tmp_path, FakeLLM([RHYME]), FakeFetcher(pages()))
    assert len(out["items"]) == 1  # type: ignore[arg-type]
    assert json.loads((own / "spoken.json").read_text(encoding="utf-8"))[0]["words"]
    down = run(skill(), tmp_path, FakeLLM([RHYME]), FakeFetcher({}), MORNING + timedelta(days=3))
    assert str(down["text"]).startswith(
        "The news feeds are down, so these headlines are from 3 days"
    )
    assert not list(own.glob("*.tmp"))


def test_bank_examples_are_the_nearest_to_the_headline(tmp_path: Path) -> None:
    llm = FakeLLM([RHYME])
    run(skill(max_headlines=1, examples="bank", exemplars=3), tmp_path, llm, FakeFetcher(pages()))
    messages, options = llm.calls[0]
    assert options.fixed_prefix == 7
    shown = [m["content"] for m in messages[1:-1:2]]
    # "Town library extends opening hours ...": the bank's library headlines come first.
    assert "library" in shown[0].lower()
    assert all(s.startswith("Headline: «") and "\nEnd words: " in s for s in shown)
