"""The ask evaluator on fakes, and the shipped QA set's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.quality.ask_eval import (
    QA_DIR,
    SPLITS,
    QAItem,
    evaluate_ask,
    load_qa,
    tune_threshold,
)
from assistant.retrieval.embedder import FakeEmbedder
from assistant.retrieval.indexer import index_paths
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import build_store
from assistant.testing import FakeLLM

NOTES = {
    "wifi.md": "# Wifi\n\n## Guest network\n\nPassword: sunny-Kite-2290\n",
    "alarm.md": "# Alarm\n\nAlarm code: 6142. The shed padlock code is 0917.\n",
}
ITEMS = [
    QAItem("a1", "What is the guest wifi password?", ("sunny-Kite-2290",), "wifi.md"),
    QAItem("a2", "What is the shed padlock code?", ("0917",), "alarm.md"),
    QAItem("u1", "What is the code of the shed alarm?", (), None),
]


def test_the_evaluator_counts_right_declined_and_wrong_note(
    state_dir: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    # The model gives the alarm code for everything: never grounded, or not the answer.
    llm = FakeLLM(["The code is 6142."])
    with build_store(RetrievalSection(), state_dir, embedder=FakeEmbedder()) as store:
        index_paths(store, [notes])
        section = RetrievalSection(ask_min_relevance=0.0, ask_candidates=1)
        result = evaluate_ask(store, llm, ITEMS, notes, section=section)
        tuned = tune_threshold(store, ITEMS)
    rows = {r["id"]: r for r in result["results"]}
    assert rows["a1"]["right"] and rows["a1"]["answer"] == "Password: sunny-Kite-2290"
    assert rows["a1"]["fallback"]  # 6142 is not in the guest chunk: quoted instead
    # Grounded in the alarm chunk, but not what its best sentence says: quoted instead.
    assert rows["a2"]["right"] and rows["a2"]["answer"] == "The shed padlock code is 0917."
    # Threshold 0: the unanswerable one is answered, from a note it is not about.
    assert rows["u1"]["answered"] and rows["u1"]["wrong_note"]
    assert (result["answered_right"], result["declined_right"], result["wrong_note"]) == (2, 0, 1)
    assert result["answerable"] == 2 and result["unanswerable"] == 1
    assert result["tokens"] == len(llm.calls) * 4  # the fake streams word by word
    assert result["tokens_per_good_output"] == result["tokens"] / 2
    assert tuned["threshold"] > tuned["highest_unanswerable"]


def test_a_bad_item_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text('{"id": "a", "question": "Q?", "answers": ["x"], "note": "n.md"}\n{"id": 1}\n')
    with pytest.raises(ValueError, match=r"qa.jsonl:2: not a QA item"):
        load_qa(path)
    path.write_text('{"id": "a", "question": "Q?", "answers": [], "note": "n.md"}\n')
    with pytest.raises(ValueError, match="both be given or both empty"):
        load_qa(path)


def test_the_shipped_qa_set_has_the_size_the_issue_asks_and_true_answers() -> None:
    notes = sorted((QA_DIR / "notes").glob("*.md"))
    dev, held, held2, held3, held4, held5 = (load_qa(QA_DIR / f"{s}.jsonl") for s in SPLITS)
    assert len(notes) >= 40
    assert sum(1 for i in dev if i.note) >= 60 and sum(1 for i in dev if not i.note) >= 20
    for fresh in (held2, held3):
        assert sum(1 for i in fresh if i.note) >= 24 and sum(1 for i in fresh if not i.note) >= 16
    for fresh in (held4, held5):
        assert sum(1 for i in fresh if i.note) >= 20 and sum(1 for i in fresh if not i.note) >= 10
    questions = [{i.question for i in split} for split in (dev, held, held2, held3, held4, held5)]
    for k in range(1, len(questions)):  # no question of a split was in an earlier one
        assert not set().union(*questions[:k]) & questions[k], SPLITS[k]
    held = held + held2 + held3 + held4 + held5
    for item in dev + held:
        if item.note:
            text = (QA_DIR / "notes" / item.note).read_text().casefold()
            assert any(a.casefold() in text for a in item.answers), item.id
    assert len({i.id for i in dev + held}) == len(dev + held)
    json.dumps([i.id for i in dev])  # ids are plain strings
