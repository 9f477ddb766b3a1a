"""The sparse arm: BM25 (bm25s) over stemmed words without English stop words."""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.errors import StoreError

Ranked = tuple[np.ndarray, np.ndarray]
# Words (stemmed) that ask rather than name what is asked about; bm25s's English stop words
# keep most of them, and notes rarely contain them, so they would count against every note.
QUESTION_WORDS = frozenset(
    {
        "what",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "whi",
        "how",
        "doe",
        "do",
        "did",
        "done",
        "much",
        "mani",
        "my",
        "our",
        "we",
        "us",
        "i",
        "per",
        "should",
        "would",
        "could",
        "can",
        "have",
        "has",
        "is",
        "are",
        "was",
        "were",
        "tell",
        "me",
        "pleas",
    }
)
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

    def idf(self, terms: list[str]) -> list[float]:
        """BM25's IDF of each (tokenized) term; a term no chunk contains gets the highest."""
        n = self.size
        vocab = self._bm25.vocab_dict if n else {}
        indptr = self._bm25.scores["indptr"] if n else None
        out = []
        for term in terms:
            tid = vocab.get(term)
            df = 0 if tid is None or indptr is None else int(indptr[tid + 1] - indptr[tid])
            out.append(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out

    def unseen(self, terms: list[str]) -> frozenset[str]:
        """The (tokenized) terms no chunk contains."""
        top = math.log(1 + (self.size + 0.5) / 0.5)
        return frozenset(t for t, w in zip(terms, self.idf(terms), strict=True) if w >= top)

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


class Coverage:
    """How much of a query a text contains: the IDF-weighted share of the query's words
    (stemmed, without stop words) that occur in it. 1.0 for a query with no such words."""

    def __init__(self, query: str, index: SparseIndex) -> None:
        terms = sorted(set(tokenize([query])[0]) - QUESTION_WORDS)
        self.weights = dict(zip(terms, index.idf(terms), strict=True))
        self.total = sum(self.weights.values())

    def of(self, text: str) -> float:
        """The share of the query's IDF mass that `text` covers, 0..1."""
        if not self.total:
            return 1.0
        found = set(tokenize([text])[0])
        return sum(w for t, w in self.weights.items() if t in found) / self.total
