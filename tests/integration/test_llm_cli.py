"""The LLM commands: models list/pull, doctor's honest memory split, and the benchmark."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow


def test_models_list_shows_the_bundled_model() -> None:
    rows = json.loads(assistant("models", "list", "--json").stdout)
    smol = next(r for r in rows if r["name"] == "smollm2-135m")
    assert smol["present"] is True
    assert smol["size_bytes"] > 50_000_000
    assert smol["path"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.mark.parametrize(
    "env",
    [{"HF_HUB_OFFLINE": "1"}, {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_ETAG_TIMEOUT": "2"}],
)
def test_pull_offline_fails_clearly_and_writes_nothing(
    state_dir: Path, env: dict[str, str]
) -> None:
    os.environ.update(env)
    try:
        done = assistant("models", "pull", "someone/some-repo", "model-Q4.gguf", check=False)
    finally:
        for key in env:
            del os.environ[key]
    assert done.returncode == 1
    # The hub client logs its own retries; ours is the one final line.
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("assistant: cannot download model-Q4.gguf from someone/some-repo")
    assert "offline?" in last
    models = state_dir / "models"
    assert not models.exists() or list(models.iterdir()) == []


def test_pull_refuses_a_non_gguf_file() -> None:
    done = assistant("models", "pull", "someone/repo", "weights.bin", check=False)
    assert done.returncode == 1 and "only .gguf files" in done.stderr


def test_doctor_splits_anonymous_and_file_backed_memory() -> None:
    report = json.loads(assistant("doctor", "--json").stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["model"]["status"] == "ok" and checks["espeak-ng"]["status"] == "ok"
    assert checks["voice"]["status"] == "ok" and checks["voice"]["detail"].startswith("piper, ")
    assert {"audio", "clock"} <= set(checks)
    model = report["model"]
    assert model["size_bytes"] > 50_000_000
    # The weights are mapped, not copied: most of them count as file-backed RSS.
    assert model["mapped_rss_bytes"] > model["size_bytes"] // 2
    after = report["process_after_load"]
    assert after["file_bytes"] >= model["mapped_rss_bytes"]
    assert after["anon_bytes"] + after["file_bytes"] == after["rss_bytes"]
    assert after["anon_bytes"] < after["rss_bytes"]
    assert report["mem_available_bytes"] > 0
    assert report["llama_cpp"]["version"]
    assert "AVX2" in report["llama_cpp"]["features"] or "NEON" in report["llama_cpp"]["features"]


def test_bench_llm_reports_every_key() -> None:
    result = json.loads(assistant("bench", "llm", "--json", "--runs", "1", timeout=900).stdout)
    for key in (
        "raw_tok_s", "assistant_tok_s", "ratio", "ttft_cold_ms", "ttft_cached_ms",
        "prompt_cache_speedup", "load_cold_ms", "load_warm_ms", "effective_gb_s", "memcpy_gb_s",
    ):  # fmt: skip
        assert key in result
    assert result["raw_tok_s"] > 0 and result["assistant_tok_s"] > 0
    assert result["after_restart_source"] == "disk"
