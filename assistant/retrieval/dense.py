"""The dense arm: faiss inner product over normalised embeddings; HNSW above a size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.errors import StoreError
from assistant.retrieval.sparse import Ranked


def _faiss() -> Any:
    import faiss

    return faiss


class DenseIndex:
    """Vectors at positions 0..n-1, searched by inner product (cosine on unit vectors)."""

    def __init__(self, index: Any, dim: int) -> None:
        self._index = index
        self.dim = dim

    @property
    def size(self) -> int:
        """The number of vectors."""
        return int(self._index.ntotal) if self._index is not None else 0

    @property
    def kind(self) -> str:
        """ "flat" (exact) or "hnsw"."""
        return "hnsw" if "HNSW" in type(self._index).__name__ else "flat"

    @classmethod
    def build(
        cls, vectors: np.ndarray, *, hnsw_above: int, hnsw_m: int = 32, ef_search: int = 128
    ) -> DenseIndex:
        """Index `vectors` (n x dim float32): exact up to `hnsw_above`, HNSW above it."""
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else 384
        if len(vectors) > hnsw_above:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(40, 2 * hnsw_m)
            index.hnsw.efSearch = ef_search
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        return cls(index, dim)

    def search(self, query: np.ndarray, k: int) -> Ranked:
        """Return (positions, scores) of the `k` nearest vectors, best first."""
        if self.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, positions = self._index.search(q, min(k, self.size))
        keep = positions[0] >= 0
        return positions[0][keep].astype(np.int64), scores[0][keep]

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, *, ef_search: int = 128) -> DenseIndex:
        """Read an index written by save(); raise StoreError on an unreadable file."""
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise StoreError(f"{path}: cannot load the vector index: {exc}") from exc
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = ef_search
        return cls(index, int(index.d))
