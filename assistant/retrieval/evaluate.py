"""Retrieval quality and speed on a BEIR-layout folder: nDCG@10 and recall@100 per arm."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.files import atomic_write
from assistant.retrieval.embedder import Embedder
from assistant.retrieval.errors import EvalError
from assistant.retrieval.hybrid import DenseOptions, Fusion, HybridIndex

Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Beir:
    """A corpus, its queries and the relevance judgements."""

    doc_ids: list[str]
    doc_texts: list[str]
    queries: dict[str, str]
    qrels: Qrels


def _text_file(path: Path) -> Any:
    """Open `path` for reading text, or `path.gz` when only the compressed copy exists."""
    packed = path.with_name(path.name + ".gz")
    if not path.exists() and packed.is_file():
        return gzip.open(packed, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        with _text_file(path) as f:
            for n, line in enumerate(f, start=1):
                if line.strip():
                    row = json.loads(line)
                    if not isinstance(row, dict) or "_id" not in row:
                        raise EvalError(f"{path}:{n}: not an object with an _id")
                    rows.append(row)
    except OSError as exc:
        raise EvalError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError, EOFError) as exc:
        raise EvalError(f"{path}: not JSON lines: {exc}") from exc
    return rows


def _qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    try:
        with _text_file(path) as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise EvalError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    for n, line in enumerate(lines, start=1):
        parts = line.split("\t")
        if (n == 1 and parts[0] == "query-id") or not line.strip():
            continue
        try:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
        except (IndexError, ValueError) as exc:
            raise EvalError(f"{path}:{n}: expected query-id, corpus-id, score") from exc
    return qrels


def load_beir(folder: Path) -> Beir:
    """Read corpus.jsonl, queries.jsonl and qrels.tsv (or qrels/test.tsv), each possibly
    gzipped (`corpus.jsonl.gz`); raise EvalError."""
    qrels_path = folder / "qrels.tsv"
    if not qrels_path.is_file() and not qrels_path.with_suffix(".tsv.gz").is_file():
        qrels_path = folder / "qrels" / "test.tsv"
    corpus = _jsonl(folder / "corpus.jsonl")
    queries = {str(q["_id"]): str(q.get("text", "")) for q in _jsonl(folder / "queries.jsonl")}
    qrels = {q: rel for q, rel in _qrels(qrels_path).items() if q in queries}
    if not corpus or not qrels:
        raise EvalError(f"{folder}: no documents or no judged queries")
    return Beir(
        doc_ids=[str(d["_id"]) for d in corpus],
        doc_texts=[f"{d.get('title') or ''}\n{d.get('text') or ''}".strip() for d in corpus],
        queries={q: queries[q] for q in qrels},
        qrels=qrels,
    )


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first `k` results (graded relevance)."""
    gain = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((r for r in relevant.values() if r > 0), reverse=True)[:k]
    best = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return gain / best if best else 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 100) -> float:
    """The share of relevant documents among the first `k` results."""
    wanted = {d for d, r in relevant.items() if r > 0}
    return len(wanted.intersection(ranked[:k])) / len(wanted) if wanted else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of `values`."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else 0.0


def _score(runs: dict[str, list[str]], qrels: Qrels) -> dict[str, float]:
    return {
        "ndcg@10": round(float(np.mean([ndcg_at(runs[q], qrels[q]) for q in runs])), 4),
        "recall@100": round(float(np.mean([recall_at(runs[q], qrels[q]) for q in runs])), 4),
    }


def evaluate(
    data: Beir,
    embedder: Embedder,
    fusion: Fusion,
    dense: DenseOptions | None = None,
    clock: Callable[[], float] = time.perf_counter,
    *,
    vectors: np.ndarray | None = None,
) -> dict[str, Any]:
    """Index the corpus (embedded now, or given as `vectors`), run every judged query through
    each arm; return the issue's JSON keys."""
    ids = np.arange(len(data.doc_ids), dtype=np.int64)
    started = clock()
    if vectors is None:
        vectors = embedder.embed(data.doc_texts)
    embedded = clock()
    index = HybridIndex.build(ids, data.doc_texts, vectors, dense or DenseOptions())
    built = clock()
    runs: dict[str, dict[str, list[str]]] = {"bm25": {}, "dense": {}, "hybrid": {}}
    hybrid_ms: list[float] = []
    bm25_ms: list[float] = []
    depth = max(100, fusion.depth)
    name = data.doc_ids
    for qid, text in data.queries.items():
        t0 = clock()
        vector = embedder.embed([text])[0]
        fused = index.search(text, vector, 100, fusion)
        t1 = clock()
        bm25, _ = index.search_bm25(text, depth)
        t2 = clock()
        near, _ = index.search_dense(vector, depth)
        hybrid_ms.append((t1 - t0) * 1e3)
        bm25_ms.append((t2 - t1) * 1e3)
        runs["hybrid"][qid] = [name[i] for i, _ in fused]
        runs["bm25"][qid] = [name[i] for i in bm25.tolist()[:100]]
        runs["dense"][qid] = [name[i] for i in near.tolist()[:100]]
    result: dict[str, Any] = {arm: _score(run, data.qrels) for arm, run in runs.items()}
    result.update(
        build_s=round(built - started, 2),
        embed_docs_per_s=round(len(ids) / max(embedded - started, 1e-9), 1),
        query_ms_p50=round(percentile(hybrid_ms, 50), 2),
        query_ms_p95=round(percentile(hybrid_ms, 95), 2),
        bm25_query_ms_p50=round(percentile(bm25_ms, 50), 3),
        bm25_query_ms_p95=round(percentile(bm25_ms, 95), 3),
        docs=len(ids),
        queries=len(data.queries),
        dense_index=index.dense.kind if index.dense else None,
        fusion={
            "rrf_k": fusion.rrf_k,
            "weight_bm25": fusion.weight_bm25,
            "weight_dense": fusion.weight_dense,
            "depth": fusion.depth,
        },
    )
    return result


def cached_vectors(texts: list[str], embedder: Embedder, folder: Path) -> np.ndarray:
    """`embedder`'s vectors of `texts`, kept in `folder` under the texts' SHA-256: embedding
    SciFact's corpus takes minutes, and the bundled model's vectors never change."""
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = folder / f"corpus-{digest}.npy"
    if path.is_file():
        cached: np.ndarray = np.load(path)
        if cached.shape == (len(texts), embedder.dim):
            return cached
    vectors = embedder.embed(texts)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, vectors)
    atomic_write(path, buffer.getvalue())
    return vectors
