"""Grounded answers with the fake LLM."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.retrieval.ask import KNOW_NOTHING, ask
from assistant.retrieval.embedder import FakeEmbedder
from assistant.retrieval.indexer import index_paths
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import Store, build_store
from assistant.testing import FakeLLM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval"


def _indexed(state: Path, tmp: Path) -> Store:
    shutil.copytree(FIXTURES / "notes", tmp / "notes")
    store = build_store(RetrievalSection(), state, embedder=FakeEmbedder())
    index_paths(store, [tmp / "notes"])
    return store


def test_a_grounded_answer_is_spoken_with_its_source(state_dir: Path, tmp_path: Path) -> None:
    llm = FakeLLM(["Water them every second morning."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, "How often do I water the tomatoes?")
    assert answer.answer == "Water them every second morning."
    assert answer.spoken == "From your notes on Tomatoes: Water them every second morning."
    assert not answer.fallback
    assert answer.mode == "hybrid"
    assert answer.sources[0].heading == "Vegetables > Tomatoes"
    prompt = llm.calls[0][0][1]["content"]
    assert "seaweed fertiliser" in prompt
    assert prompt.endswith("Question: How often do I water the tomatoes?\nAnswer:")


def test_an_ungrounded_answer_falls_back_to_quoting_the_best_chunk(
    state_dir: Path, tmp_path: Path
) -> None:
    llm = FakeLLM(["Bananas grow quickly everywhere.", "I don't know."])
    with _indexed(state_dir, tmp_path) as store:
        answer = ask(store, llm, "How often do I water the tomatoes?")
    assert answer.fallback
    assert len(llm.calls) == 2
    assert answer.answer.startswith("Water the tomatoes every second morning.")
    assert answer.spoken.startswith("From your notes on Tomatoes: ")


def test_an_empty_store_knows_nothing(state_dir: Path) -> None:
    llm = FakeLLM()
    with build_store(RetrievalSection(), state_dir, embedder=FakeEmbedder()) as store:
        answer = ask(store, llm, "What is the bike's tyre pressure?")
    assert answer.answer == KNOW_NOTHING
    assert answer.sources == []
    assert llm.calls == []
