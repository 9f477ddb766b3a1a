"""Tuning: the pair loader, the seeded split, hard-negative mining, the fits and the guard."""

from __future__ import annotations

import json
import mmap
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.feedback.store import FeedbackStore
from assistant.feedback.utterance import Source, Utterance
from assistant.procmem import peak_anon, rss_split
from assistant.retrieval.embedder import FakeEmbedder
from assistant.retrieval.errors import EvalError
from assistant.retrieval.evaluate import load_beir
from assistant.retrieval.finetune import (
    TrainOptions,
    batches,
    mine_triplets,
    split_queries,
    triplets_from_pairs,
)
from assistant.retrieval.hybrid import Fusion
from assistant.retrieval.pairs import RelevancePair, feedback_pairs, load_pairs
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import build_store
from assistant.retrieval.tuned import read_tuned, with_tuned, write_tuned
from assistant.retrieval.tunefusion import (
    MAX_LOSS,
    PairPool,
    build_pool,
    fit_fusion,
    fit_threshold,
)
from assistant.retrieval.tuneguard import load_runs, shipped_split

BEIR = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval" / "beir"
DEFAULT = Fusion(rrf_k=5, weight_bm25=1.2, weight_dense=1.0)


def test_pairs_load_with_an_optional_doc_id(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    rows = [
        {"query": "q", "text": "a passage", "good": True, "doc_id": "d1"},
        {"query": "q", "text": "another", "good": False},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    assert load_pairs(path) == [
        RelevancePair("q", "a passage", True, "d1"),
        RelevancePair("q", "another", False, ""),
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{broken", "Expecting property name"),
        ('{"query": "q", "text": "t"}', '"good" must be true or false'),
        ('{"query": "q", "text": "t", "good": "yes"}', '"good" must be true or false'),
        ('{"query": "", "text": "t", "good": true}', '"query" must be a non-empty string'),
        ('{"query": "q", "good": true}', '"text" must be a non-empty string'),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_a_bad_pair_names_the_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"query": "q", "text": "t", "good": true}\n' + line + "\n")
    with pytest.raises(EvalError) as caught:
        load_pairs(path)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert problem in str(caught.value)


def test_no_pairs_or_no_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(EvalError, match=r"empty.jsonl: no pairs"):
        load_pairs(tmp_path / "empty.jsonl")
    with pytest.raises(EvalError, match=r"missing.jsonl: cannot read"):
        load_pairs(tmp_path / "missing.jsonl")


def test_the_split_is_seeded_disjoint_and_eighty_percent() -> None:
    qids = [str(i) for i in range(809)]
    train, held = split_queries(reversed(qids), 0.8)
    assert (train, held) == split_queries(qids, 0.8)  # order of the input does not matter
    assert len(train) == 647 and len(held) == 162
    assert not set(train) & set(held) and set(train) | set(held) == set(qids)
    assert split_queries(qids, 0.8, seed=1) != (train, held)


def test_hard_negatives_are_bm25_hits_that_are_not_relevant() -> None:
    data = load_beir(BEIR)
    triplets = mine_triplets(data, ["q2"], negatives=1)
    assert len(triplets) == 1
    positive = data.doc_texts[data.doc_ids.index("d2")]
    assert triplets[0].positive == positive
    # "bicycle" is in the chain-maintenance text too: BM25's best wrong answer.
    assert triplets[0].negatives == (data.doc_texts[data.doc_ids.index("d5")],)


def test_feedback_pairs_train_good_passages_against_the_bad_ones() -> None:
    pairs = [
        RelevancePair("guest wifi password", "Guest network: the password is tulip42", True),
        RelevancePair("guest wifi password", "Main network: the password is oak-77", False),
        RelevancePair("bin day", "Bins go out on Tuesday night", True),
    ]
    triplets = triplets_from_pairs(pairs, negatives=1)
    assert [t.positive for t in triplets] == [pairs[0].text, pairs[2].text]
    assert triplets[0].negatives == (pairs[1].text,)
    assert pairs[2].text not in triplets[1].negatives


def _pool(bm25: list[int], dense: list[int], good: int = 0) -> PairPool:
    return PairPool({"q": np.array(bm25)}, {"q": np.array(dense)}, {"q": {good}})


def test_ties_keep_the_current_fusion() -> None:
    # Both arms put the good passage first: every fusion is perfect, nothing changes.
    assert fit_fusion(_pool([0, 1, 2], [0, 1, 2]), DEFAULT) == DEFAULT


def test_a_misleading_bm25_arm_pushes_the_weight_towards_embeddings() -> None:
    fitted = fit_fusion(_pool([1, 2, 0], [0, 1, 2]), DEFAULT)
    assert fitted.weight_bm25 < fitted.weight_dense


def test_the_threshold_separates_good_from_bad() -> None:
    relevance = [(0.8, True), (0.7, True), (0.45, False), (0.3, False)]
    assert 0.45 < fit_threshold(relevance, 0.53) <= 0.7
    assert fit_threshold(relevance, 0.5) == 0.5  # already separates: kept
    assert fit_threshold([(0.9, True)], 0.53) == 0.53  # no bad pair: nothing to fit


def test_the_pool_ranks_pair_passages_in_both_arms() -> None:
    pairs = [
        RelevancePair("tomato watering", "water the tomato plants daily", True),
        RelevancePair("tomato watering", "bicycle chain oil", False),
    ]
    pool = build_pool(pairs, FakeEmbedder())
    assert pool.ndcg(DEFAULT) == 1.0
    assert [good for _, good in pool.relevance] == [True, False]
    assert pool.relevance[0][0] > pool.relevance[1][0]


def test_the_guard_scores_the_shipped_split_and_ranks_fusions() -> None:
    runs = load_runs(shipped_split())
    assert len(runs.qrels) == 809
    tuned = runs.ndcg(DEFAULT)
    assert tuned == pytest.approx(0.7281, abs=0.002)  # docs/retrieval.md, eval retrieval
    dense_only = runs.ndcg(Fusion(rrf_k=5, weight_bm25=0.0, weight_dense=1.0))
    assert dense_only == pytest.approx(0.6602, abs=0.002)
    assert dense_only < tuned - MAX_LOSS


def test_guard_runs_that_cannot_be_read_are_one_error(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match=r"runs\.json\.gz"):
        load_runs(tmp_path)


def test_tuned_values_override_the_config_and_a_bad_file_is_ignored(tmp_path: Path) -> None:
    section = RetrievalSection()
    assert with_tuned(section, tmp_path) == section
    write_tuned(tmp_path, {"rrf_k": 10, "weight_bm25": 1.5, "embed_batch": 1}, {"pairs": 3})
    assert read_tuned(tmp_path) == {"rrf_k": 10, "weight_bm25": 1.5}  # only tunable keys
    tuned = with_tuned(section, tmp_path)
    assert (tuned.rrf_k, tuned.weight_bm25, tuned.embed_batch) == (10, 1.5, section.embed_batch)
    write_tuned(tmp_path, {"weight_bm25": 0.0, "weight_dense": 0.0}, {})
    assert with_tuned(section, tmp_path) == section  # invalid together: ignored
    (tmp_path / "tuned.json").write_text("{broken")
    assert with_tuned(section, tmp_path) == section


def test_peak_anon_sees_memory_that_was_freed_before_the_end() -> None:
    with peak_anon(every_s=0.01) as peak:
        held = rss_split()["anon_mb"]
        # A mapping of its own: malloc could serve a bytearray from a resident hole in the heap
        # left by earlier tests, and keep it after `del` (anonymous RSS would not move). Its
        # zero pages are not resident until written.
        block = mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        block[::4096] = b"x" * len(block[::4096])
        # Until the watching thread has read it (on a loaded machine it may wait its turn).
        deadline = time.monotonic() + 10
        while peak.peak_mb < held + 48 and time.monotonic() < deadline:
            time.sleep(0.01)
        block.close()
    assert peak.peak_mb - rss_split()["anon_mb"] > 48


def test_batches_cover_every_example_once_per_epoch_and_stop_at_max_steps() -> None:
    steps = batches(7, TrainOptions(epochs=2, batch=3))
    assert [len(b) for b in steps] == [3, 3, 1, 3, 3, 1]
    assert sorted(i for b in steps[:3] for i in b) == list(range(7))
    assert steps == batches(7, TrainOptions(epochs=2, batch=3))  # seeded
    assert batches(7, TrainOptions(epochs=2, batch=3, max_steps=1)) == steps[:1]


def test_the_store_reads_the_tuned_values_over_the_config(tmp_path: Path) -> None:
    write_tuned(tmp_path / "retrieval", {"rrf_k": 10, "ask_min_relevance": 0.6}, {})
    with build_store(RetrievalSection(embedder="none"), tmp_path) as store:
        assert (store.section.rrf_k, store.section.ask_min_relevance) == (10, 0.6)
        assert store.fusion.rrf_k == 10


def test_stored_ask_feedback_becomes_pairs(tmp_path: Path) -> None:
    assert feedback_pairs(tmp_path) == []  # no store yet: no pairs, no file made
    assert not (tmp_path / "feedback.sqlite").exists()
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    at = "2026-11-30T07:31:00+00:00"
    note = Source(path="wifi.md", heading="Guest", text="Guest password: tulip42")
    store.add(
        Utterance("u1", "ask", at, "tulip42", input="guest wifi?", sources=[note]), "bad", "", at
    )
    store.add(Utterance("u2", "clock", at, "It is 07:31."), "good", "", at)  # not a pair
    store.close()
    assert feedback_pairs(tmp_path) == [
        RelevancePair("guest wifi?", "Guest password: tulip42", False, "wifi.md#Guest")
    ]
