"""`assistant tune embedder` and `tune retrieval` as a user runs them, with the real MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval"
BEIR = FIXTURES / "beir"


def test_a_tiny_fine_tune_is_a_named_embedder_that_eval_uses(state_dir: Path) -> None:
    # One step on the fixture's training queries plus the feedback pairs: the same code path.
    done = assistant(
        "tune", "embedder", str(BEIR), "--name", "tiny", "--pairs",
        str(FIXTURES / "pairs" / "dense.jsonl"), "--max-steps", "1", "--batch", "4", "--json",
        timeout=900,
    )  # fmt: skip
    report = json.loads(done.stdout)
    folder = state_dir / "embedders" / "tiny"
    assert report["path"] == str(folder)
    assert (report["steps"], report["queries_train"], report["queries_held_out"]) == (1, 3, 1)
    assert report["pairs"] == 8
    assert report["triplets"] == 3 + 4  # a relevant passage per training query, a good per pair
    assert report["train_peak_anon_mb"] > 100  # torch and the model were sampled
    for when in ("before", "after"):
        assert set(report[when]) >= {"bm25", "dense", "hybrid"}
    assert (folder / "onnx" / "minilm-fp32.onnx").is_file()
    assert json.loads((folder / "tuning.json").read_text())["name"] == "tiny"
    out = json.loads(
        assistant("eval", "retrieval", str(BEIR), "--embedder", "tiny", "--json").stdout
    )
    assert out["embedder"] == "tiny"
    assert (out["docs"], out["queries"]) == (8, 4)
    assert out["dense"]["ndcg@10"] >= 0.9  # one small step does not break the model
    missing = assistant("eval", "retrieval", str(BEIR), "--embedder", "nope", check=False)
    assert missing.returncode == 1
    assert "no tuned embedder 'nope'" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_tuning_that_would_lower_scifact_ndcg_is_refused(state_dir: Path) -> None:
    # BM25 ranks the lexical trap first for every query, the embeddings the paraphrase: the
    # pairs pull the fusion towards the embeddings alone, which loses nDCG@10 on SciFact.
    pairs = FIXTURES / "pairs" / "dense.jsonl"
    done = assistant("tune", "retrieval", "--pairs", str(pairs), "--json", check=False)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["refused"] is True
    assert report["after"]["weight_bm25"] < report["before"]["weight_bm25"]
    guard = report["scifact_ndcg@10"]
    assert guard["after"] < guard["before"] - 0.005
    last = done.stderr.strip().splitlines()[-1]  # after the export's note on a fresh cache
    assert last.startswith("refused: nDCG@10 on SciFact train would fall from 0.7283 to ")
    assert not (state_dir / "retrieval" / "tuned.json").exists()


def test_tuning_that_keeps_scifact_ndcg_is_written_and_read(state_dir: Path) -> None:
    pairs = FIXTURES / "pairs" / "keeps.jsonl"
    dry = assistant("tune", "retrieval", "--pairs", str(pairs), "--dry-run", "--json")
    assert json.loads(dry.stdout)["result"] == "dry run: nothing written"
    assert not (state_dir / "retrieval" / "tuned.json").exists()
    report = json.loads(assistant("tune", "retrieval", "--pairs", str(pairs), "--json").stdout)
    assert report["refused"] is False and report["changed"] is True
    assert report["pairs_ndcg@10"]["after"] > report["pairs_ndcg@10"]["before"]
    guard = report["scifact_ndcg@10"]
    assert guard["after"] >= guard["before"] - 0.005
    tuned = json.loads((state_dir / "retrieval" / "tuned.json").read_text())
    assert tuned["settings"] == report["after"]
    # A second run starts from the tuned values: nothing is left to change.
    again = json.loads(assistant("tune", "retrieval", "--pairs", str(pairs), "--json").stdout)
    assert again["before"] == report["after"]
    assert again["changed"] is False


def test_without_pairs_or_rated_answers_there_is_nothing_to_tune() -> None:
    for args in (("retrieval",), ("embedder",)):
        done = assistant("tune", *args, check=False)
        assert done.returncode == 1
        assert "no rated ask answers yet" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
