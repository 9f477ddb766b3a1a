"""The store skills get: nothing is opened until a skill searches."""

from __future__ import annotations

from pathlib import Path

from assistant.retrieval.lazy import LazyStore
from assistant.retrieval.settings import RetrievalSection


def test_opens_on_first_search_only(tmp_path: Path) -> None:
    store = LazyStore(RetrievalSection(embedder="none"), tmp_path, tmp_path / "cache")
    assert not (tmp_path / "retrieval").exists()
    result = store.search("tomatoes", 3)
    assert result.hits == [] and result.mode == "bm25"
    assert (tmp_path / "retrieval").is_dir()
    store.close()
    store.close()  # closing twice is harmless
