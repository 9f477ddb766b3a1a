"""MiniLM exported to ONNX: the same vectors as torch, no torch when embedding, damage recovered."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval.embedder import EmbedSpec, MiniLMEmbedder
from assistant.retrieval.errors import EmbedderError
from assistant.retrieval.onnxembed import (
    FILES,
    SUMS,
    OnnxEmbedder,
    ensure_exported,
    export_step,
    intact,
)
from assistant.retrieval.worker import WorkerEmbedder

pytestmark = pytest.mark.slow
TEXTS = [
    "How often should I water the tomato plants?",
    "Tomatoes need watering every second morning.",
    "The bicycle chain was replaced in March.",
    # Longer than the tokenizer's own 128-token padding, shorter than MiniLM's 256 cut.
    " ".join(["The garden diary notes rain, sun, frost and the first ripe tomato."] * 14),
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export made once for this module (it exercises the whole export path)."""
    folder = tmp_path_factory.mktemp("onnx-cache")
    ensure_exported(folder)
    return folder


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    """The reference: sentence-transformers on torch."""
    embedder = MiniLMEmbedder(idle_s=600)
    try:
        return embedder.embed(TEXTS)
    finally:
        embedder.close()


def test_fp32_gives_the_vectors_of_sentence_transformers(
    cache: Path, torch_vectors: np.ndarray
) -> None:
    vectors = OnnxEmbedder(cache).embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert np.min(np.sum(vectors * torch_vectors, axis=1)) > 0.9999


def test_int8_stays_close_and_keeps_the_meaning(cache: Path, torch_vectors: np.ndarray) -> None:
    vectors = OnnxEmbedder(cache, precision="int8").embed(TEXTS)
    assert np.min(np.sum(vectors * torch_vectors, axis=1)) > 0.98
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batch_order_and_padding_do_not_change_a_vector(cache: Path) -> None:
    embedder = OnnxEmbedder(cache, batch=2)
    alone = np.vstack([embedder.embed([t]) for t in TEXTS])
    together = embedder.embed(TEXTS)
    assert np.allclose(alone, together, atol=1e-5)


def test_a_second_export_is_not_needed(cache: Path) -> None:
    folder = ensure_exported(cache)
    stamps = {name: (folder / name).stat().st_mtime_ns for name in FILES.values()}
    assert ensure_exported(cache) == folder
    assert {name: (folder / name).stat().st_mtime_ns for name in FILES.values()} == stamps
    assert [p.name for p in cache.iterdir() if p.is_dir()] == [folder.name]


def test_embedding_with_onnx_never_imports_torch(cache: Path) -> None:
    code = (
        "import sys, json; from pathlib import Path;"
        "from assistant.retrieval.onnxembed import OnnxEmbedder;"
        f"v = OnnxEmbedder(Path({str(cache)!r})).embed(['hello there']);"
        "print(json.dumps({'shape': list(v.shape),"
        " 'torch': [m for m in ('torch', 'sentence_transformers') if m in sys.modules]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == {"shape": [1, 384], "torch": []}


def test_the_onnx_worker_carries_no_torch(cache: Path, torch_vectors: np.ndarray) -> None:
    worker = WorkerEmbedder(EmbedSpec(backend="onnx", cache=cache), idle_s=60, timeout_s=120)
    try:
        vectors = worker.embed(TEXTS)
        assert worker.pid is not None
        maps = Path(f"/proc/{worker.pid}/maps").read_text()
        assert "onnxruntime" in maps
        assert "libtorch" not in maps
        assert np.min(np.sum(vectors * torch_vectors, axis=1)) > 0.9999
    finally:
        worker.close()


def test_a_damaged_export_is_an_error_then_exported_again(
    tmp_path: Path, cache: Path, torch_vectors: np.ndarray
) -> None:
    source = ensure_exported(cache)
    mine = tmp_path / "cache"
    folder = mine / source.name
    folder.mkdir(parents=True)
    shutil.copy(source / SUMS, folder / SUMS)
    for name in FILES.values():
        (folder / name).write_bytes((source / name).read_bytes()[:4096])
    embedder = OnnxEmbedder(mine)
    with pytest.raises(EmbedderError, match="cannot load the ONNX model"):
        embedder.embed(["hello"])
    assert not folder.exists()
    vectors = embedder.embed(TEXTS)
    assert np.min(np.sum(vectors * torch_vectors, axis=1)) > 0.9999


def test_an_intact_export_is_kept_when_loading_fails(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.retrieval import onnxembed

    source = ensure_exported(cache)
    assert intact(source)
    folder = tmp_path / "cache" / source.name
    shutil.copytree(source, folder)

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Failed to allocate memory")

    monkeypatch.setattr(onnxembed, "OnnxSession", out_of_memory)
    with pytest.raises(EmbedderError, match="allocate"):
        OnnxEmbedder(tmp_path / "cache").embed(["hello"])
    assert intact(folder)


def test_a_failed_export_is_one_line_naming_the_cause(tmp_path: Path) -> None:
    # The second step, given a work folder the first never filled.
    with pytest.raises(EmbedderError) as caught:
        export_step(["finish", str(tmp_path), str(tmp_path / "out")], timeout_s=300)
    message = str(caught.value)
    assert message.startswith("ONNX export failed:")
    assert "raw.onnx" in message
    assert "\n" not in message
    assert not (tmp_path / "out").exists()


def test_the_throughput_benchmark_compares_every_runtime_with_torch() -> None:
    from assistant.bench.retrieval import throughput

    result = throughput(rounds=1, docs=4)
    assert set(result["docs_per_s"]) == {"torch", "onnx_fp32", "onnx_int8"}
    assert all(rate > 0 for rate in result["docs_per_s"].values())
    assert result["ratio_vs_torch"]["torch"] == 1.0


def test_a_failed_export_is_not_retried_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.retrieval import onnxembed

    monkeypatch.setattr(onnxembed, "_failed", {})
    blocker = tmp_path / "a-file"
    blocker.write_text("a cache dir cannot live under a file")
    with pytest.raises(EmbedderError, match="cannot export the embedding model"):
        ensure_exported(blocker / "cache")
    blocker.unlink()  # fixed now, but within the hour the error stands without a new export
    with pytest.raises(EmbedderError, match="not retried for an hour"):
        ensure_exported(blocker / "cache")
    assert not blocker.exists()
