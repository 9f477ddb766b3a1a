"""What skills see of the retrieval store: the `Retriever` protocol and its results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk and where it came from."""

    path: str
    heading: str
    text: str
    score: float
    kind: str
    # How well the chunk fits the query on an absolute scale (the fused score only ranks):
    # the cosine of query and chunk embeddings (None when BM25 alone answered), and the
    # IDF-weighted share of the query's words that the chunk (with its heading) contains.
    similarity: float | None = None
    coverage: float | None = None


@dataclass(frozen=True)
class SearchResult:
    """Hits, best first, and which mode answered ("hybrid" or "bm25") and why."""

    hits: list[Hit]
    mode: str
    reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


class Retriever(Protocol):
    """Searches the user's notes and the headline archive. Safe to call from any thread."""

    def search(self, query: str, k: int = 5) -> SearchResult:
        """The `k` best chunks for `query`, best first; raise StoreError when it cannot open."""

    def close(self) -> None:
        """Release the index and the embedder (opened again on the next search)."""
