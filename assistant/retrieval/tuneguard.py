"""The guard of `tune retrieval`: nDCG@10 of a fusion on the shipped SciFact train split.

RRF needs only each arm's ranks, so the split ships its BM25 and MiniLM (fp32) top-100 per
query (`runs.json.gz`) and any fusion is scored in milliseconds, without the model.
`python -m assistant.retrieval.tuneguard DIR CACHE` rebuilds that file from a BEIR folder (the
ONNX export and the corpus vectors are kept under CACHE, e.g. `<cache dir>/embedder-onnx`).
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.errors import EvalError
from assistant.retrieval.evaluate import Beir, cached_vectors, load_beir, ndcg_at
from assistant.retrieval.fusion import rrf
from assistant.retrieval.hybrid import Fusion, HybridIndex

RUNS = "runs.json.gz"
DEPTH = 100


def shipped_split() -> Path:
    """The SciFact train split in the source tree (`data/scifact-train`)."""
    return Path(__file__).resolve().parents[2] / "data" / "scifact-train"


@dataclass(frozen=True)
class Runs:
    """Per judged query: each arm's ranked corpus positions, and the judgements."""

    bm25: dict[str, list[int]]
    dense: dict[str, list[int]]
    qrels: dict[str, dict[str, int]]  # corpus positions as strings

    def ndcg(self, fusion: Fusion) -> float:
        """Mean nDCG@10 of the fused rankings over every judged query."""
        depth = min(fusion.depth, DEPTH)
        scores = []
        for qid, relevant in self.qrels.items():
            arms = [
                (np.asarray(self.bm25[qid][:depth]), fusion.weight_bm25),
                (np.asarray(self.dense[qid][:depth]), fusion.weight_dense),
            ]
            fused = [str(i) for i, _ in rrf(arms, k=fusion.rrf_k, limit=10)]
            scores.append(ndcg_at(fused, relevant))
        return round(float(np.mean(scores)), 4)


def load_runs(folder: Path) -> Runs:
    """Read `runs.json.gz` and the qrels of the split in `folder`; raise EvalError."""
    path = folder / RUNS
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            raw = json.load(f)
        data = load_beir(folder)
        position = {doc: i for i, doc in enumerate(data.doc_ids)}
        qrels = {q: {str(position[d]): g for d, g in rel.items()} for q, rel in data.qrels.items()}
        return Runs(raw["bm25"], raw["dense"], qrels)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise EvalError(f"{path}: cannot read the guard's rankings: {exc}") from exc


def build_runs(data: Beir, embedder: Any, vectors: np.ndarray) -> dict[str, Any]:
    """Each arm's top-`DEPTH` corpus positions for every judged query."""
    ids = np.arange(len(data.doc_ids), dtype=np.int64)
    index = HybridIndex.build(ids, data.doc_texts, vectors)
    runs: dict[str, Any] = {
        "depth": DEPTH,
        "embedder": "all-MiniLM-L6-v2 fp32",
        "bm25": {},
        "dense": {},
    }
    for qid, text in sorted(data.queries.items()):
        runs["bm25"][qid] = index.search_bm25(text, DEPTH)[0].tolist()
        runs["dense"][qid] = index.search_dense(embedder.embed([text])[0], DEPTH)[0].tolist()
    return runs


def main(argv: list[str]) -> int:
    """`DIR CACHE [PRECISION]`: write DIR/runs.json.gz with the bundled MiniLM on ONNX (fp32
    or int8; the export and the corpus vectors are kept in CACHE)."""
    from assistant.retrieval.embedder import EmbedSpec
    from assistant.retrieval.onnxembed import vectors_folder

    if len(argv) not in (2, 3) or argv[2:] not in ([], ["fp32"], ["int8"]):
        print(
            "usage: python -m assistant.retrieval.tuneguard DIR CACHE [fp32|int8]", file=sys.stderr
        )
        return 2
    folder, cache, precision = Path(argv[0]), Path(argv[1]), (argv[2:] or ["fp32"])[0]
    embedder = EmbedSpec("onnx", precision, cache=cache).build(idle_s=3600)
    try:
        data = load_beir(folder)
        embedder.embed(["warm up"])  # exports first when needed, so the folder below exists
        vectors = cached_vectors(data.doc_texts, embedder, vectors_folder(cache, precision))
        runs = build_runs(data, embedder, vectors) | {"embedder": f"all-MiniLM-L6-v2 {precision}"}
    finally:
        embedder.close()
    with gzip.GzipFile(folder / RUNS, "wb", mtime=0) as f:
        f.write(json.dumps(runs, separators=(",", ":")).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
