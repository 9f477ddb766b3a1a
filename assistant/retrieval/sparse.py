"""The sparse arm: BM25 (bm25s) over stemmed words without English stop words."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.errors import StoreError

Ranked = tuple[np.ndarray, np.ndarray]
_STEMMER_LOCK = threading.Lock()
_STEMMER: Any = None


def _stemmer() -> Any:
    """One shared English Snowball stemmer; PyStemmer objects are not thread-safe."""
    global _STEMMER  # noqa: PLW0603 - a process-wide cache of a C object
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def _quiet_bm25s() -> None:
    # bm25s logs each index build at DEBUG on its own handler; the daemon's log is not for that.
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-case, drop stop words and stem, the same way for documents and queries."""
    import bm25s

    with _STEMMER_LOCK:
        out = bm25s.tokenize(
            texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
        )
    return [list(tokens) for tokens in out]


class SparseIndex:
    """BM25 scores over positions 0..n-1; an empty index answers nothing."""

    def __init__(self, retriever: Any, size: int) -> None:
        self._bm25 = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> SparseIndex:
        """Index `texts` (position i is text i)."""
        import bm25s

        _quiet_bm25s()
        retriever = bm25s.BM25()
        if texts:
            tokens = tokenize(texts)
            # bm25s cannot index a corpus with no words at all; one placeholder keeps it valid.
            if not any(tokens):
                tokens[0] = ["\x00"]
            retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def search(self, query: str, k: int) -> Ranked:
        """Return (positions, scores) of the best `k` texts with a score above zero."""
        if self.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        vocab = self._bm25.vocab_dict
        words = [t for t in tokenize([query])[0] if t in vocab]
        if not words:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        scores = np.asarray(self._bm25.get_scores(words), dtype=np.float32)
        return top_k(scores, k)

    def save(self, folder: Path) -> None:
        """Write the index files into `folder`."""
        if self.size:
            self._bm25.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> SparseIndex:
        """Read an index written by save(); raise StoreError on unreadable files."""
        import bm25s

        if size == 0:
            return cls(bm25s.BM25(), 0)
        try:
            retriever = bm25s.BM25.load(str(folder), mmap=False)
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"{folder}: cannot load the BM25 index: {exc}") from exc
        return cls(retriever, size)


def top_k(scores: np.ndarray, k: int) -> Ranked:
    """Positions and scores of the `k` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        positive = positive[part]
    order = positive[np.argsort(-scores[positive], kind="stable")]
    return order.astype(np.int64), scores[order]
