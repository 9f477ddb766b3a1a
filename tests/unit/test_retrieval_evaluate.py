"""Retrieval metrics and the BEIR loader."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assistant.retrieval.embedder import FakeEmbedder
from assistant.retrieval.errors import EvalError
from assistant.retrieval.evaluate import evaluate, load_beir, ndcg_at, recall_at
from assistant.retrieval.hybrid import Fusion

BEIR = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval" / "beir"


def test_ndcg_is_one_for_a_perfect_ranking_and_discounts_lower_ranks() -> None:
    assert ndcg_at(["a", "b"], {"a": 1}) == 1.0
    assert ndcg_at(["x", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(["x"] * 10 + ["a"], {"a": 1}) == 0.0


def test_recall_counts_relevant_documents_in_the_cut() -> None:
    assert recall_at(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}) == pytest.approx(2 / 3)
    assert recall_at(["a"], {"a": 0}) == 0.0


def test_loader_keeps_only_judged_queries() -> None:
    data = load_beir(BEIR)
    assert len(data.doc_ids) == 8
    assert sorted(data.queries) == ["q1", "q2", "q3", "q4"]
    assert data.doc_texts[0].startswith("Tomato care\n")


def test_loader_names_the_bad_line(tmp_path: Path) -> None:
    for name in ("corpus.jsonl", "queries.jsonl", "qrels.tsv"):
        (tmp_path / name).write_bytes((BEIR / name).read_bytes())
    (tmp_path / "corpus.jsonl").write_text('{"_id": "1"}\n{broken\n')
    with pytest.raises(EvalError, match=r"corpus.jsonl"):
        load_beir(tmp_path)
    with pytest.raises(EvalError, match="cannot read"):
        load_beir(tmp_path / "missing")


def test_evaluate_reports_every_key() -> None:
    result = evaluate(load_beir(BEIR), FakeEmbedder(), Fusion(rrf_k=5))
    for arm in ("bm25", "dense", "hybrid"):
        assert set(result[arm]) == {"ndcg@10", "recall@100"}
        assert 0.0 <= result[arm]["ndcg@10"] <= 1.0
    # Every judged query shares words with its document: BM25 finds them all.
    assert result["bm25"]["recall@100"] == 1.0
    assert result["docs"] == 8
    assert result["queries"] == 4
    assert result["query_ms_p95"] >= result["query_ms_p50"] >= 0
    assert result["build_s"] >= 0
