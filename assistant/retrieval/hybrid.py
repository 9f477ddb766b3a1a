"""Both arms over one set of chunk ids, fused; saved into and loaded from a generation folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.dense import DenseIndex
from assistant.retrieval.fusion import rrf
from assistant.retrieval.sparse import SparseIndex


@dataclass(frozen=True)
class Fusion:
    """How the arms are combined."""

    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float = 1.0
    depth: int = 100


@dataclass(frozen=True)
class DenseOptions:
    """When to switch from exact search to HNSW, and its knobs."""

    hnsw_above: int = 50_000
    hnsw_m: int = 32
    ef_search: int = 128


class HybridIndex:
    """BM25 over every chunk and vectors over the chunks that have one; positions map to ids."""

    def __init__(
        self,
        sparse: SparseIndex,
        sparse_ids: np.ndarray,
        dense: DenseIndex | None,
        dense_ids: np.ndarray,
    ) -> None:
        self.sparse = sparse
        self.sparse_ids = sparse_ids
        self.dense = dense
        self.dense_ids = dense_ids

    @property
    def size(self) -> int:
        """The number of chunks."""
        return len(self.sparse_ids)

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        texts: list[str],
        vectors: np.ndarray | None,
        options: DenseOptions | None = None,
    ) -> HybridIndex:
        """Index chunks; `vectors` rows are NaN-free for chunks that have one (mask by row)."""
        options = options or DenseOptions()
        sparse = SparseIndex.build(texts)
        dense, dense_ids = None, np.empty(0, np.int64)
        if vectors is not None:
            have = ~np.isnan(vectors).any(axis=1)
            dense_ids = ids[have]
            dense = DenseIndex.build(
                vectors[have],
                hnsw_above=options.hnsw_above,
                hnsw_m=options.hnsw_m,
                ef_search=options.ef_search,
            )
        return cls(sparse, np.asarray(ids, np.int64), dense, np.asarray(dense_ids, np.int64))

    def search_bm25(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Chunk ids and BM25 scores, best first."""
        positions, scores = self.sparse.search(query, k)
        return self.sparse_ids[positions], scores

    def search_dense(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Chunk ids and cosine scores, best first."""
        if self.dense is None:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        positions, scores = self.dense.search(vector, k)
        return self.dense_ids[positions], scores

    def search(
        self, query: str, vector: np.ndarray | None, k: int, fusion: Fusion
    ) -> list[tuple[int, float]]:
        """Fused (chunk id, score) pairs; BM25 alone when `vector` is None."""
        bm25_ids, bm25_scores = self.search_bm25(query, max(k, fusion.depth))
        if vector is None or self.dense is None:
            return list(zip(bm25_ids[:k].tolist(), bm25_scores[:k].tolist(), strict=True))
        dense_ids, _ = self.search_dense(vector, max(k, fusion.depth))
        return rrf(
            [(bm25_ids, fusion.weight_bm25), (dense_ids, fusion.weight_dense)],
            k=fusion.rrf_k,
            limit=k,
        )

    def save(self, folder: Path) -> dict[str, Any]:
        """Write the index files into `folder`; return the counts for the manifest."""
        np.save(folder / "sparse_ids.npy", self.sparse_ids)
        np.save(folder / "dense_ids.npy", self.dense_ids)
        (folder / "bm25").mkdir()
        self.sparse.save(folder / "bm25")
        if self.dense is not None:
            self.dense.save(folder / "dense.faiss")
        return {
            "chunks": int(self.size),
            "vectors": len(self.dense_ids) if self.dense is not None else 0,
            "dense": self.dense is not None,
            "dense_kind": self.dense.kind if self.dense is not None else None,
        }

    @classmethod
    def load(cls, folder: Path, meta: dict[str, Any], ef_search: int = 128) -> HybridIndex:
        """Read what save() wrote (after the manifest verified); raise StoreError."""
        sparse_ids = np.load(folder / "sparse_ids.npy")
        dense_ids = np.load(folder / "dense_ids.npy")
        sparse = SparseIndex.load(folder / "bm25", int(meta["chunks"]))
        dense = None
        if meta.get("dense"):
            dense = DenseIndex.load(folder / "dense.faiss", ef_search=ef_search)
        return cls(sparse, sparse_ids, dense, dense_ids)
