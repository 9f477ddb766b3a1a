"""Utterances, the ratings store, and `last`/`repeat`/`source`/`feedback` over a journal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from assistant import Contract, NotEmpty, Reply, Score, generate_checked
from assistant.cli.retrieval import journal_answer
from assistant.feedback.recall import Recall
from assistant.feedback.store import FeedbackError, FeedbackStore
from assistant.feedback.utterance import Utterance, said_fields, source_sentence
from assistant.journal import Journal, RunRecord
from assistant.llm.contract import Outcome, collecting
from assistant.retrieval.ask import AskOptions, answer_from
from assistant.retrieval.base import Hit, SearchResult
from assistant.retrieval.settings import RetrievalSection
from assistant.service.api import build_handler
from assistant.service.errors import ControlError
from assistant.skill import Source
from assistant.testing import FakeFetcher, FakeLLM, FixedClock, fake_context
from tests.unit.test_skill_seuss_news import MORNING, RHYME, pages
from tests.unit.test_skill_seuss_news import skill as news_skill

AT = "2026-11-01T07:31:04+00:00"
BBC = Source(title="Library extends opening hours", link="https://bbc.example/1", feed="the BBC")


def test_checked_generations_are_collected_with_input_model_and_scores() -> None:
    contract = Contract([NotEmpty()], retries=2, scores=[Score("len", lambda t: len(t) / 10)])
    outcomes: list[Outcome] = []
    with collecting(outcomes):
        generate_checked(FakeLLM(["", "a rhyme"]), "p", contract, lambda: "x", input="07:30")
        generate_checked(FakeLLM([""]), "p", Contract([NotEmpty()]), lambda: "fixed", input="h")
    generate_checked(FakeLLM(["outside"]), "p", contract, lambda: "x")  # nobody collects
    assert [(o.input, o.text, o.fallback) for o in outcomes] == [
        ("07:30", "a rhyme", False),
        ("h", "fixed", True),
    ]
    fields = said_fields(Reply("It is 07:30. a rhyme", sources=["https://x.example/a"]), outcomes)
    assert fields == {
        "cited": [Source(link="https://x.example/a").to_json()],
        "written": "a rhyme",  # the fallback is not model-written
        "input": "07:30",
        "model": "fake",
        "scores": {"len": 0.7},
        "attempts": 5,  # 2 until one passed, then 3 to the fallback
        "pieces": [],  # one piece: `written` and `input` say it
    }


def test_the_source_sentence_names_feed_and_headline_or_note_and_heading() -> None:
    news = Utterance("a", "seuss-news", AT, "From the BBC: ...", sources=[BBC])
    assert source_sentence(news) == (
        "That was from the BBC, 'Library extends opening hours', at 07:31"
    )
    note = Source(path="/home/me/notes/garden.md", heading="Tomatoes", text="Water daily.")
    asked = Utterance("b", "ask", AT, "From garden: water daily.", sources=[note])
    assert source_sentence(asked) == "That was from your note garden, 'Tomatoes', at 07:31"
    assert source_sentence(Utterance("c", "clock", AT, "It is 07:31.")) == (
        "That was the clock skill's own words, from no feed or note, at 07:31"
    )
    assert source_sentence(Utterance("d", "say", AT, "Dinner!")).startswith("That was a text")
    summer = Utterance("f", "seuss-news", "2026-07-01T06:31:00+00:00", "...", sources=[BBC])
    assert source_sentence(summer, ZoneInfo("Europe/London")).endswith("at 07:31")
    many = Utterance("e", "briefing", AT, "...", sources=[BBC] * 5)
    assert source_sentence(many).endswith(", and 2 more, at 07:31")


def test_the_store_keeps_ratings_and_ask_pairs(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    assert store.export() == [] and store.ask_pairs() == []
    note = Source(path="garden.md", heading="Tomatoes", text="Water tomatoes daily.")
    asked = Utterance("q1", "ask", AT, "From garden: daily.", input="how often?", sources=[note])
    assert store.add(asked, "good", "", AT) == 1
    store.add(Utterance("n1", "seuss-news", AT, "x", sources=[BBC]), "bad", "too silly", AT)
    with pytest.raises(FeedbackError, match="verdict must be good or bad"):
        store.add(asked, "meh", "", AT)
    store.close()
    again = FeedbackStore(tmp_path / "feedback.sqlite")  # reopened: all of it is on disk
    rows = again.export()
    assert [(r["id"], r["verdict"], r["note"]) for r in rows] == [
        ("q1", "good", ""),
        ("n1", "bad", "too silly"),
    ]
    assert rows[1]["utterance"]["sources"] == [BBC.to_json()]
    [pair] = again.ask_pairs()
    assert (pair.query, pair.note, pair.text, pair.good) == (
        "how often?",
        "garden.md#Tomatoes",
        "Water tomatoes daily.",
        True,
    )


def test_a_damaged_store_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    path.write_bytes(b"not a database, just bytes" * 100)
    store = FeedbackStore(path)
    with pytest.raises(FeedbackError, match=r"feedback.sqlite: cannot write the feedback: "):
        store.add(Utterance("a", "clock", AT, "hi"), "good", "", AT)
    with pytest.raises(FeedbackError, match=r"feedback.sqlite: cannot read the feedback: "):
        store.export()


def recall_over(tmp_path: Path, hook: Any = None) -> tuple[Recall, list[tuple[str, str]]]:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.record(RunRecord("clock", AT, "ok", "It is 07:31.", id="c10c00"))
    journal.record(RunRecord("clock", AT, "error", error="boom"))
    cited = [BBC.to_json()]
    journal.record(RunRecord("seuss-news", AT, "ok", "From the BBC.", id="n3ws00", cited=cited))
    spoken: list[tuple[str, str]] = []
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    say = lambda text, skill: spoken.append((text, skill))  # noqa: E731
    now = lambda: datetime(2026, 11, 1, 8, tzinfo=UTC)  # noqa: E731
    recall = Recall(journal, store, say, hook, now) if hook else Recall(journal, store, say)
    return recall, spoken


def test_repeat_source_and_feedback_default_to_the_last_utterance(tmp_path: Path) -> None:
    heard: list[tuple[str, str, str]] = []
    recall, spoken = recall_over(tmp_path, lambda u, v, n: heard.append((u.id, v, n)))
    assert [u["id"] for u in recall.last(10)["utterances"]] == ["n3ws00", "c10c00"]
    assert recall.repeat(None) == {"ok": True, "id": "n3ws00", "text": "From the BBC."}
    assert recall.repeat("C10C00")["text"] == "It is 07:31."  # ids are read in any case
    told = recall.source(None)
    assert told["text"] == "That was from the BBC, 'Library extends opening hours', at 07:31"
    assert told["sources"] == [BBC.to_json()]
    assert spoken == [
        ("From the BBC.", "seuss-news"),
        ("It is 07:31.", "clock"),
        (told["text"], "seuss-news"),
    ]
    rated = recall.feedback("bad", "c10c00", "wrong")
    assert rated == {"ok": True, "id": "c10c00", "verdict": "bad"}
    assert recall.feedback("good", None) == {"ok": True, "id": "n3ws00", "verdict": "good"}
    assert heard == [("c10c00", "bad", "wrong"), ("n3ws00", "good", "")]
    assert [r["at"] for r in recall.store.export()] == ["2026-11-01T08:00:00+00:00"] * 2


def test_an_unknown_id_or_an_empty_journal_is_one_clear_error(tmp_path: Path) -> None:
    recall, _spoken = recall_over(tmp_path)
    with pytest.raises(FeedbackError, match="no utterance with id 'zzzzzz'"):
        recall.feedback("good", "zzzzzz")
    empty = Recall(Journal(tmp_path / "none.jsonl"), recall.store, lambda t, s: None)
    with pytest.raises(FeedbackError, match="nothing has been said yet"):
        empty.repeat(None)


def test_a_failing_hook_keeps_the_rating(tmp_path: Path) -> None:
    def broken(_u: Utterance, _v: str, _n: str) -> None:
        raise RuntimeError("learner down")

    recall, _spoken = recall_over(tmp_path, broken)
    assert recall.feedback("good", None)["ok"]
    assert len(recall.store.export()) == 1


class Target:
    """Just enough daemon for the handler: the utterance commands."""

    def __init__(self, recall: Recall) -> None:
        self.recall = recall


def test_the_socket_protocol_of_the_utterance_commands(tmp_path: Path) -> None:
    recall, _spoken = recall_over(tmp_path)
    handle = build_handler(Target(recall))  # type: ignore[arg-type]
    assert len(handle({"command": "last"})["utterances"]) == 2
    assert handle({"command": "last", "n": 1})["utterances"][0]["id"] == "n3ws00"
    assert handle({"command": "repeat", "id": "c10c00"})["id"] == "c10c00"
    assert handle({"command": "source"})["id"] == "n3ws00"
    answer = handle({"command": "feedback", "verdict": "bad", "note": "meh"})
    assert answer == {"ok": True, "id": "n3ws00", "verdict": "bad"}
    bad = [
        ({"command": "last", "n": 0}, '"n" must be a whole number from 1 to 500'),
        ({"command": "last", "n": True}, '"n" must be a whole number'),
        ({"command": "repeat", "id": 5}, '"id" must be a non-empty string'),
        ({"command": "source", "id": "x" * 40}, '"id" is too long'),
        ({"command": "feedback"}, '"verdict" must be "good" or "bad"'),
        ({"command": "feedback", "verdict": "good", "note": 3}, '"note" must be'),
        ({"command": "feedback", "verdict": "good", "id": "nope00"}, "no utterance with id"),
    ]
    for request, message in bad:
        with pytest.raises(ControlError, match=message):
            handle(request)


def test_a_skill_run_yields_its_sources_and_what_the_model_wrote_for_each_headline(
    tmp_path: Path,
) -> None:
    ctx = fake_context(
        FixedClock(MORNING),
        tmp_path / "skill",
        llm=FakeLLM([RHYME]),
        http=FakeFetcher(pages()),
        app_state=tmp_path / "app",
    )
    outcomes: list[Outcome] = []
    with collecting(outcomes):
        reply = news_skill(max_headlines=2).run(ctx)
    fields = said_fields(reply, outcomes)
    titles = [item["headline"] for item in reply.data["items"]]
    assert [(s["title"], s["feed"]) for s in fields["cited"]] == [
        (titles[0], "BBC News"),
        (titles[1], "Science Daily"),
    ]
    assert fields["written"] == f"{RHYME}\n{RHYME}" and fields["input"] == "\n".join(titles)
    assert fields["model"] == "fake" and fields["attempts"] >= 2 and "rhyme" in fields["scores"]
    # What a learner needs: each headline with its own rhyme, also after the journal.
    journal = Journal(tmp_path / "journal.jsonl")
    journal.record(RunRecord("seuss-news", AT, "ok", reply.text, id="s1", **fields))
    said = Utterance.from_run(journal.utterances()[0])
    assert said.pieces == [(titles[0], RHYME), (titles[1], RHYME)]
    assert "pieces" not in said.to_json()


def test_an_ask_answer_is_an_utterance_whose_rating_becomes_question_passage_pairs(
    tmp_path: Path,
) -> None:
    plans = "Day trip to Sintra on Tuesday 15 April: train from Rossio at 09:11."
    hit = Hit("lisbon.md", "Lisbon > Plans", plans, 0.3, "note", 0.7, 1.0)
    question = "When is the day trip to Sintra?"
    outcomes: list[Outcome] = []
    with collecting(outcomes):
        answer = answer_from(
            SearchResult([hit], "hybrid"),
            question,
            FakeLLM(["The day trip to Sintra is on Tuesday 15 April."]),
            AskOptions(RetrievalSection(ask_min_relevance=0.5)),
        )
    journal = Journal(tmp_path / "journal.jsonl")
    uid = journal_answer(journal, question, answer, outcomes, datetime(2026, 4, 1, tzinfo=UTC))
    recall = Recall(journal, FeedbackStore(tmp_path / "f.sqlite"), lambda t, s: None)
    asked = recall.find(None)
    assert (asked.id, asked.skill, asked.input) == (uid, "ask", question)
    assert asked.written == "The day trip to Sintra is on Tuesday 15 April."
    assert asked.pieces == [(question, asked.written)]
    [cited] = asked.sources
    assert (cited.path, cited.heading, cited.title) == ("lisbon.md", "Lisbon > Plans", "")
    recall.feedback("bad", uid)
    [pair] = recall.store.ask_pairs()
    assert (pair.query, pair.note, pair.text, pair.good) == (
        question,
        "lisbon.md#Lisbon > Plans",
        plans,
        False,
    )
