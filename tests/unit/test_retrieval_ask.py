"""`ask` with the fake LLM: threshold, decline, grounding, extractive fallback, no scaffolding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.retrieval.ask import (
    DECLINE,
    KNOW_NOTHING,
    AskOptions,
    answer_from,
    ask,
    eligible,
    file_words,
    relevance,
)
from assistant.retrieval.base import Hit, SearchResult
from assistant.retrieval.embedder import FakeEmbedder
from assistant.retrieval.indexer import index_paths
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import Store, build_store
from assistant.testing import FakeLLM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval"
WIFI = """# Home wifi

## Main network

Network name: Hartley-Home
Password: maple-Otter-8812

## Guest network

Network name: Hartley-Guest
Password: sunny-Kite-2290

For visitors and the babysitter.
"""
GUEST = "What is the guest wifi password?"


def _indexed(state: Path, tmp: Path) -> Store:
    shutil.copytree(FIXTURES / "notes", tmp / "notes")
    (tmp / "notes" / "wifi.md").write_text(WIFI)
    store = build_store(RetrievalSection(), state, embedder=FakeEmbedder())
    index_paths(store, [tmp / "notes"])
    return store


def _at(min_relevance: float, **keys: float) -> AskOptions:
    """Options with this relevance floor (and other [retrieval] `ask_*` keys)."""
    return AskOptions(RetrievalSection(ask_min_relevance=min_relevance, **keys))


def _hit(text: str, similarity: float | None, coverage: float) -> Hit:
    return Hit("eye.md", "Optician", text, 0.3, "note", similarity, coverage)


def test_a_grounded_answer_is_spoken_with_its_one_source(state_dir: Path, tmp_path: Path) -> None:
    llm = FakeLLM(["Water them every second morning."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, "How often do I water the tomatoes?", _at(0.0))
    assert answer.answer == "Water them every second morning."
    assert answer.spoken == "From your notes on Tomatoes: Water them every second morning."
    assert (answer.answered, answer.fallback, answer.mode) == (True, False, "hybrid")
    assert [h.heading for h in answer.sources] == ["Vegetables > Tomatoes"]
    prompt = llm.calls[0][0][1]["content"]
    assert "seaweed fertiliser" in prompt
    assert "[1]" not in prompt and "your notes on" not in prompt
    assert "Courgettes" not in prompt  # only the cited chunk, nothing to mix in
    assert prompt.endswith("Question: How often do I water the tomatoes?\nAnswer:")


def test_the_main_password_is_rejected_for_the_guest_question(
    state_dir: Path, tmp_path: Path
) -> None:
    llm = FakeLLM(["The password is maple-Otter-8812.", "It is sunny-Kite-2290."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, GUEST, _at(0.0))
    assert answer.sources[0].heading == "Home wifi > Guest network"
    assert answer.answer == "It is sunny-Kite-2290."
    assert answer.attempts == 2
    assert "grounded: not in the cited note: maple-Otter-8812" in answer.failures[0]


def test_with_no_grounded_candidate_the_best_sentence_is_quoted(
    state_dir: Path, tmp_path: Path
) -> None:
    llm = FakeLLM(["The password is maple-Otter-8812.", "I don't know that."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, GUEST, _at(0.0, ask_candidates=2))
    assert answer.fallback and answer.answered
    assert answer.answer == "Password: sunny-Kite-2290"
    assert answer.spoken == "From your notes on Guest network: Password: sunny-Kite-2290"
    assert "not-declining: declines" in answer.failures[1]


def test_a_candidate_that_misses_the_notes_answer_is_not_taken(
    state_dir: Path, tmp_path: Path
) -> None:
    llm = FakeLLM(["The guest network is for visitors."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, GUEST, _at(0.0, ask_candidates=1))
    assert answer.fallback
    assert "answers: misses the note's answer" in answer.failures[0]


def test_a_date_from_another_sentence_of_the_chunk_is_not_taken() -> None:
    plans = (
        "Sunday 13 April: tram 28 and the castle.\n"
        "Day trip to Sintra on Tuesday 15 April: train from Rossio at 09:11.\n"
        "Thursday 17 April: Belem, custard tarts."
    )
    hit = Hit("lisbon.md", "Lisbon > Plans", plans, 0.3, "note", 0.7, 1.0)
    llm = FakeLLM(["The day trip to Sintra is on April 17."])
    result = SearchResult([hit], "hybrid")
    answer = answer_from(result, "When is the day trip to Sintra?", llm, _at(0.5))
    assert answer.fallback
    assert answer.answer == "Day trip to Sintra on Tuesday 15 April: train from Rossio at 09:11."
    assert "not in the answering sentence: 17" in answer.failures[0]


def test_the_note_s_file_name_counts_as_part_of_it() -> None:
    assert file_words("notes/recipe-pancakes.md") == "recipe pancakes"
    note = "Makes about 8 pancakes.\nWhisk the eggs and milk."
    question = "How many pancakes does the recipe make?"
    named = Hit("recipe-pancakes.md", "Pancakes", note, 0.3, "note", 0.7, 1.0)
    unnamed = Hit("pancakes.md", "Pancakes", note, 0.3, "note", 0.7, 1.0)
    assert [c.hit for c in eligible(SearchResult([named], "hybrid"), question)] == [named]
    assert eligible(SearchResult([unnamed], "hybrid"), question) == []


def test_a_number_of_the_sentence_without_its_words_is_not_an_answer() -> None:
    dose = "Children's paracetamol: Leo 10 ml, Maya 7.5 ml, at most 4 doses in 24 hours."
    hit = Hit("allergies.md", "Allergies and medicines", dose, 0.3, "note", 0.7, 1.0)
    llm = FakeLLM(["The answer is: 4."])
    question = "How much children's paracetamol can Maya have?"
    answer = answer_from(SearchResult([hit], "hybrid"), question, llm, _at(0.5))
    assert answer.fallback and answer.answer == dose
    assert "answers: says nothing the note says" in answer.failures[0]


def test_scaffolding_is_stripped_from_a_generated_answer(state_dir: Path, tmp_path: Path) -> None:
    llm = FakeLLM(["[1] (your notes on Tomatoes) Answer: Water them every second morning."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, "How often do I water the tomatoes?", _at(0.0))
    assert answer.answer == "Water them every second morning."
    assert not answer.fallback


def test_below_the_threshold_the_notes_do_not_mention_it(state_dir: Path, tmp_path: Path) -> None:
    llm = FakeLLM(["The password is 1234."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, "What is the code for the garage door?", _at(0.53))
    assert answer.answer == DECLINE == "Your notes don't mention that."
    assert answer.spoken == DECLINE
    assert (answer.answered, answer.sources, llm.calls) == (False, [], [])
    assert answer.relevance is not None and answer.relevance < 0.53


@pytest.mark.parametrize(
    ("similarity", "coverage", "answered"),
    [
        (0.7, 0.9, True),  # 0.6 x 0.7 + 0.4 x 0.9 = 0.78
        (0.5, 0.6, True),  # 0.54
        (0.5, 0.55, False),  # 0.52
        (0.4, 0.3, False),  # 0.36
        (None, 0.65, True),  # BM25 alone: coverage only, against its own floor (0.62)
        (None, 0.6, False),
    ],
)
def test_the_threshold_blends_similarity_and_coverage(
    similarity: float | None, coverage: float, answered: bool
) -> None:
    hit = _hit("Sarah's eye test: Thursday 22 May at 11:00.", similarity, coverage)
    llm = FakeLLM(["Sarah's eye test is on 22 May."])
    result = SearchResult([hit], "hybrid" if similarity is not None else "bm25")
    answer = answer_from(result, "When is Sarah's eye test?", llm, _at(0.53))
    assert answer.answered is answered
    assert answer.relevance == pytest.approx(relevance(hit))
    assert (answer.answer == DECLINE) is (not answered)


def test_a_name_the_question_asks_about_must_be_in_the_chunk() -> None:
    hit = _hit("Sarah's eye test: Thursday 22 May at 11:00.", 0.9, 1.0)
    llm = FakeLLM(["It is on 22 May."])
    result = SearchResult([hit], "hybrid")
    answer = answer_from(result, "When is Leo's eye test?", llm, _at(0.0))
    assert (answer.answer, answer.answered, llm.calls) == (DECLINE, False, [])


def test_an_empty_store_knows_nothing(state_dir: Path) -> None:
    llm = FakeLLM()
    with build_store(RetrievalSection(), state_dir, embedder=FakeEmbedder()) as store:
        answer = ask(store, llm, "What is the bike's tyre pressure?")
    assert answer.answer == KNOW_NOTHING
    assert (answer.sources, answer.answered, llm.calls) == ([], False, [])


def test_without_embeddings_coverage_has_its_own_floor() -> None:
    note = "The chain wants oil every month, more in winter."
    question = "How often does the chain want oil?"
    llm = FakeLLM(["Every month."])
    # BM25 only: no similarity; the share of the question's words decides against its floor.
    thin = SearchResult([Hit("bike.md", "Bike", note, 0.3, "note", None, 0.58)], "bm25")
    assert not answer_from(thin, question, llm, _at(0.53, ask_min_coverage=0.62)).answered
    full = SearchResult([Hit("bike.md", "Bike", note, 0.3, "note", None, 0.8)], "bm25")
    assert answer_from(full, question, llm, _at(0.53, ask_min_coverage=0.62)).answered
    # With embeddings the blend decides: 0.6 x 0.9 + 0.4 x 0.58 = 0.77.
    both = SearchResult([Hit("bike.md", "Bike", note, 0.3, "note", 0.9, 0.58)], "hybrid")
    assert answer_from(both, question, llm, _at(0.53, ask_min_coverage=0.99)).answered
