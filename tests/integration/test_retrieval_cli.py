"""`assistant index`, `ask` and `eval retrieval` as a user runs them: real MiniLM and SmolLM2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval"


def test_ask_on_an_empty_store_knows_nothing_yet() -> None:
    done = assistant("ask", "What is the tyre pressure?", "--no-speak", "--json")
    out = json.loads(done.stdout)
    assert out["answer"] == "I don't know anything about that yet."
    assert out["answered"] is False
    assert out["sources"] == []


def test_index_then_ask_cites_the_note(tmp_path: Path, state_dir: Path) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(FIXTURES / "notes", notes)
    archive = state_dir / "news" / "archive.jsonl"
    archive.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "news_archive.jsonl", archive)
    report = json.loads(assistant("index", str(notes), "--json").stdout)
    assert (report["added"], report["headlines"], report["generation"]) == (3, 2, "g00000001")
    # Generous: two short generations by the real model on a loaded 2-core machine.
    question = "How often should I water the tomatoes?"
    done = assistant("ask", question, "--no-speak", "--json", timeout=900)
    out = json.loads(done.stdout)
    assert set(out) >= {"answer", "answered", "mode", "sources"}
    assert out["answered"] is True
    assert out["mode"] == "hybrid"
    assert out["answer"].strip()
    best = out["sources"][0]
    assert best["path"] == str(notes / "garden" / "vegetables.md")
    assert best["heading"] == "Vegetables > Tomatoes"
    assert isinstance(best["score"], float)
    assert out["spoken"].startswith("From your notes on Tomatoes: ")


def test_eval_retrieval_reports_the_issue_keys() -> None:
    done = assistant("eval", "retrieval", str(FIXTURES / "beir"), "--json")
    out = json.loads(done.stdout)
    for arm in ("bm25", "dense", "hybrid"):
        assert set(out[arm]) == {"ndcg@10", "recall@100"}
    assert out["hybrid"]["ndcg@10"] >= 0.9
    assert (out["docs"], out["queries"]) == (8, 4)
    for key in ("build_s", "query_ms_p50", "query_ms_p95"):
        assert out[key] >= 0


def test_eval_retrieval_on_a_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    done = assistant("eval", "retrieval", str(tmp_path / "none"), check=False)
    assert done.returncode == 1
    assert "cannot read" in done.stderr
    assert "Traceback" not in done.stderr
