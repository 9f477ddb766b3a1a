"""The real MiniLM, in this process and in the worker; torch stays out of the daemon."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.procmem import rss_split
from assistant.retrieval.embedder import MiniLMEmbedder, wait_idle
from assistant.retrieval.errors import EmbedderError
from assistant.retrieval.evaluate import evaluate, load_beir
from assistant.retrieval.hybrid import Fusion
from assistant.retrieval.worker import WorkerEmbedder

pytestmark = pytest.mark.slow
BEIR = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval" / "beir"
TEXTS = [
    "How often should I water the tomato plants?",
    "Tomatoes need watering every second morning.",
    "The bicycle chain was replaced in March.",
]


@pytest.fixture(scope="module")
def inline() -> MiniLMEmbedder:
    """One in-process MiniLM for the module (loading it costs seconds)."""
    return MiniLMEmbedder(idle_s=600)


def test_minilm_embeds_meaning(inline: MiniLMEmbedder) -> None:
    vectors = inline.embed(TEXTS)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_the_dense_arm_finds_paraphrases_on_a_small_beir_set(inline: MiniLMEmbedder) -> None:
    result = evaluate(load_beir(BEIR), inline, Fusion(rrf_k=5, weight_bm25=1.2))
    assert result["dense"]["ndcg@10"] >= 0.9
    assert result["hybrid"]["ndcg@10"] >= 0.9


def test_the_worker_embeds_outside_the_daemon_and_stops_when_idle(
    inline: MiniLMEmbedder,
) -> None:
    before = rss_split()
    worker = WorkerEmbedder(idle_s=2.0, timeout_s=300)
    try:
        vectors = worker.embed(TEXTS * 20)[:3]
        pid = worker.pid
        assert pid is not None
        during, child = rss_split(), rss_split(pid)
        # torch and the model live in the child: hundreds of MiB there, next to nothing here.
        assert child["anon_mb"] > 100
        assert during["anon_mb"] - before["anon_mb"] < 30
        assert np.allclose(vectors, inline.embed(TEXTS), atol=1e-5)
        deadline = time.monotonic() + 30
        while worker.pid is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert worker.pid is None, "the idle worker did not stop"
        assert not Path(f"/proc/{pid}").exists()
    finally:
        worker.close()


def test_a_killed_worker_is_an_embedder_error_then_restarts() -> None:
    worker = WorkerEmbedder(idle_s=60, timeout_s=300)
    try:
        first = worker.embed(["warm"])
        assert worker.pid is not None
        os.kill(worker.pid, 9)
        with pytest.raises(EmbedderError, match="worker failed"):
            worker.embed(["again"])
        assert np.allclose(worker.embed(["warm"]), first, atol=1e-5)
    finally:
        worker.close()


def test_inline_model_unloads_after_idle() -> None:
    embedder = MiniLMEmbedder(idle_s=0.5)
    embedder.embed(["hello"])
    assert embedder.loaded
    assert wait_idle(embedder, 10)


def test_importing_the_cli_and_the_store_does_not_import_torch() -> None:
    code = (
        "import sys, assistant.cli, assistant.retrieval.store, assistant.retrieval.worker;"
        "bad = [m for m in ('torch', 'sentence_transformers') if m in sys.modules];"
        "sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
