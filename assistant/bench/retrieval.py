"""The retrieval store in a daemon-like process: memory idle and while embedding (worker,
inline), query time, and embedding throughput of onnxruntime fp32 / int8 against torch."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.paths import cache_dir
from assistant.procmem import rss_split
from assistant.retrieval.settings import RetrievalSection

NOTES = {
    "garden.md": "# Garden\n\n## Tomatoes\nWater the tomatoes every second morning.\n",
    "bike.txt": "The tyre pressure is 65 psi at the front and 70 psi at the rear.\n",
    "recipes.md": "# Recipes\n\n## Pancakes\nMix flour, two eggs and milk.\n",
}
QUERY = "how often should I water the tomatoes"
BATCH = ["a sentence to embed about watering tomatoes in the morning"] * 64
VOCABULARY = (
    "the a of and to in is was for on with as by at from cells protein gene expression "
    "patients risk cancer study results increased reduced levels role mice human tumour "
    "immune response blood brain treatment effect associated significantly analysis data "
    "model clinical trial children women disease infection virus receptor signalling "
    "pathway mutation therapy dose years higher lower compared group control samples"
)
WORDS = VOCABULARY.split()


def corpus(docs: int = 96, seed: int = 7) -> list[str]:
    """Abstract-length texts (120-220 words, about MiniLM's 256-token cut) for throughput."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(120, 220))) for _ in range(docs)]


def _median_ms(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1e3)
    return round(statistics.median(times), 2)


def measure(runs: int = 21) -> dict[str, Any]:
    """Stages in an order that keeps torch out of this process until the last stage."""
    from assistant.retrieval.embedder import EmbedSpec
    from assistant.retrieval.indexer import index_paths
    from assistant.retrieval.store import build_store, embed_spec
    from assistant.retrieval.worker import WorkerEmbedder

    onnx = embed_spec(RetrievalSection(embed_backend="onnx"), cache_dir())
    out: dict[str, Any] = {"baseline_start": rss_split()}
    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "notes"
        notes.mkdir()
        for name, text in NOTES.items():
            (notes / name).write_text(text, encoding="utf-8")
        worker = WorkerEmbedder(onnx, idle_s=1.0)
        with build_store(RetrievalSection(), Path(tmp) / "state", embedder=worker) as store:
            index_paths(store, [notes])
            worker.close()
            out["idle"] = rss_split()
            worker.embed(BATCH)
            out["embedding_worker"] = {"daemon": rss_split(), "worker": rss_split(worker.pid or 0)}
            out["hybrid_query_ms_p50_worker"] = _median_ms(lambda: store.search(QUERY, 5), runs)
            while worker.pid is not None:
                time.sleep(0.1)
            out["after_worker_idle_stop"] = rss_split()
            store.embedder = None
            out["bm25_query_ms_p50"] = _median_ms(lambda: store.search(QUERY, 5), runs)
            # The same store and query, the model in this process: onnxruntime, then torch.
            for backend, spec in (("onnx", onnx), ("torch", EmbedSpec(backend="torch"))):
                inline = spec.build(idle_s=3600)
                inline.embed(BATCH)
                out[f"embedding_inline_{backend}"] = rss_split()
                store.embedder = inline
                out[f"hybrid_query_ms_p50_{backend}"] = _median_ms(
                    lambda: store.search(QUERY, 5), runs
                )
                inline.close()
                out[f"after_inline_unload_{backend}"] = rss_split()
            store.embedder = None
    idle = out["idle"]["anon_mb"] or 1.0
    out["ratios_vs_idle_anon"] = {
        stage: round(out[stage]["anon_mb"] / idle, 2)
        for stage in (
            "embedding_inline_onnx",
            "after_inline_unload_onnx",
            "embedding_inline_torch",
            "after_inline_unload_torch",
        )
    }
    out["ratios_vs_idle_anon"]["embedding_worker"] = round(
        out["embedding_worker"]["daemon"]["anon_mb"] / idle, 2
    )
    out["query_ratio_onnx_vs_torch"] = round(
        out["hybrid_query_ms_p50_onnx"] / max(out["hybrid_query_ms_p50_torch"], 1e-9), 2
    )
    return out


def throughput(rounds: int = 3, docs: int = 96) -> dict[str, Any]:
    """Documents per second of each runtime on the same texts, rounds interleaved; medians."""
    from assistant.retrieval.embedder import EmbedSpec
    from assistant.retrieval.store import embed_spec

    texts = corpus(docs)
    onnx = embed_spec(RetrievalSection(), cache_dir())
    specs = {
        "torch": EmbedSpec(backend="torch"),
        "onnx_fp32": onnx,
        "onnx_int8": EmbedSpec("onnx", "int8", onnx.cache),
    }
    embedders = {name: spec.build(idle_s=3600) for name, spec in specs.items()}
    rates: dict[str, list[float]] = {name: [] for name in specs}
    try:
        for embedder in embedders.values():
            embedder.embed(texts[:2])  # load (and export) outside the timing
        for _ in range(rounds):
            for name, embedder in embedders.items():
                started = time.perf_counter()
                embedder.embed(texts)
                rates[name].append(len(texts) / (time.perf_counter() - started))
    finally:
        for embedder in embedders.values():
            embedder.close()
    median = {name: round(statistics.median(r), 1) for name, r in rates.items()}
    base = median["torch"] or 1.0
    return {
        "docs_per_s": median,
        "ratio_vs_torch": {name: round(v / base, 2) for name, v in median.items()},
        "docs": docs,
        "rounds": rounds,
    }
