"""[retrieval]: the hybrid store of notes and headlines."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from assistant.section import Section


class RetrievalSection(Section):
    """[retrieval] section."""

    # "minilm" embeds with the bundled all-MiniLM-L6-v2; "none" answers with BM25 alone.
    embedder: Literal["minilm", "none"] = "minilm"
    # "onnx": onnxruntime runs MiniLM (exported once from the bundled weights; same vectors,
    # a query in a quarter of the time, no torch while embedding); "torch": sentence-transformers.
    embed_backend: Literal["onnx", "torch"] = "onnx"
    # "int8" (ONNX only): quantized weights, about twice the indexing speed for a small loss
    # of quality (measured in docs/retrieval.md); changing it re-embeds at the next `index`.
    embed_precision: Literal["fp32", "int8"] = "fp32"
    # "worker": torch lives in a child process that exits after `idle_unload_s` (the daemon
    # stays small); "inline": in this process, unloaded after idle (fastest for one-shot commands).
    embed_in: Literal["worker", "inline"] = "worker"
    idle_unload_s: float = Field(120.0, gt=0, le=86400)
    embed_timeout_s: float = Field(120.0, gt=0, le=3600)
    embed_batch: int = Field(32, ge=1, le=1024)
    # Below this much available memory (MiB, /proc/meminfo) the embedder is not started.
    min_available_mb: int = Field(300, ge=0, le=1 << 20)
    # Exact inner-product search up to this many chunks, HNSW above it.
    hnsw_above: int = Field(50_000, ge=1, le=10**9)
    hnsw_m: int = Field(32, ge=4, le=128)
    hnsw_ef_search: int = Field(128, ge=8, le=4096)
    # Reciprocal rank fusion: score = sum(weight / (rrf_k + rank)). Tuned on SciFact (train):
    # k=5 with BM25 weighted 1.2 gives nDCG@10 0.728 against 0.721 for the textbook k=60.
    rrf_k: int = Field(5, ge=1, le=1000)
    weight_bm25: float = Field(1.2, ge=0, le=100)
    weight_dense: float = Field(1.0, ge=0, le=100)
    fusion_depth: int = Field(100, ge=1, le=10_000)
    # A note larger than this (MiB) is skipped and reported, never read: memory stays bounded.
    max_note_mb: int = Field(4, ge=1, le=256)
    chunk_max_chars: int = Field(1200, ge=200, le=20_000)
    keep_generations: int = Field(2, ge=1, le=20)
    index_headlines: bool = True
    ask_top_k: int = Field(3, ge=1, le=20)
    # `ask` declines ("Your notes don't mention that.") when the best chunk's relevance
    # (0.6 x embedding cosine + 0.4 x IDF-weighted share of the question's words in it) is
    # below this. Tuned on the dev QA set in tests/data/qa (docs/retrieval.md).
    ask_min_relevance: float = Field(0.46, ge=0, le=1)
    # The same floor when there are no embeddings (BM25 only): the question's IDF-weighted
    # share of words in the best chunk. Tuned on the same dev set with embeddings off.
    ask_min_coverage: float = Field(0.62, ge=0, le=1)
    # Generated answers tried before quoting the note's best sentence.
    ask_candidates: int = Field(2, ge=1, le=8)
    # `ask` declines as ambiguous when another note within this much relevance of the best
    # answers the question as well with other facts (docs/retrieval.md).
    ask_margin: float = Field(0.05, ge=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> RetrievalSection:
        if self.weight_bm25 == 0 and self.weight_dense == 0:
            raise ValueError("weight_bm25 and weight_dense cannot both be 0")
        if self.embed_precision == "int8" and self.embed_backend != "onnx":
            raise ValueError('embed_precision "int8" needs embed_backend "onnx"')
        return self
