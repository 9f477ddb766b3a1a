"""Memory of the retrieval store in a daemon-like process: idle, embedding in the worker, inline."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.retrieval.memory import rss_split
from assistant.retrieval.settings import RetrievalSection

NOTES = {
    "garden.md": "# Garden\n\n## Tomatoes\nWater the tomatoes every second morning.\n",
    "bike.txt": "The tyre pressure is 65 psi at the front and 70 psi at the rear.\n",
    "recipes.md": "# Recipes\n\n## Pancakes\nMix flour, two eggs and milk.\n",
}
QUERY = "how often should I water the tomatoes"
BATCH = ["a sentence to embed about watering tomatoes in the morning"] * 64


def _median_ms(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1e3)
    return round(statistics.median(times), 2)


def measure(runs: int = 5) -> dict[str, Any]:
    """Stages in an order that keeps torch out of this process until the inline stage."""
    from assistant.retrieval.embedder import MiniLMEmbedder
    from assistant.retrieval.indexer import index_paths
    from assistant.retrieval.store import build_store
    from assistant.retrieval.worker import WorkerEmbedder

    out: dict[str, Any] = {"baseline_start": rss_split()}
    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "notes"
        notes.mkdir()
        for name, text in NOTES.items():
            (notes / name).write_text(text, encoding="utf-8")
        worker = WorkerEmbedder(idle_s=1.0)
        with build_store(RetrievalSection(), Path(tmp) / "state", embedder=worker) as store:
            index_paths(store, [notes])
            worker.close()
            out["idle"] = rss_split()
            worker.embed(BATCH)
            out["embedding_worker"] = {"daemon": rss_split(), "worker": rss_split(worker.pid or 0)}
            out["hybrid_query_ms_p50"] = _median_ms(lambda: store.search(QUERY, 5), runs)
            while worker.pid is not None:
                time.sleep(0.1)
            out["after_worker_idle_stop"] = rss_split()
            store.embedder = None
            out["bm25_query_ms_p50"] = _median_ms(lambda: store.search(QUERY, 5), runs)
        inline = MiniLMEmbedder(idle_s=3600)
        inline.embed(BATCH)
        out["embedding_inline"] = rss_split()
        inline.close()
        out["after_inline_unload"] = rss_split()
    idle = out["idle"]["anon_mb"] or 1.0
    out["ratios_vs_idle_anon"] = {
        "embedding_worker": round(out["embedding_worker"]["daemon"]["anon_mb"] / idle, 2),
        "embedding_inline": round(out["embedding_inline"]["anon_mb"] / idle, 2),
        "after_inline_unload": round(out["after_inline_unload"]["anon_mb"] / idle, 2),
    }
    return out
