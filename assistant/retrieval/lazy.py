"""The store as skills see it: opened on the first search, since most runs never search."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.retrieval.errors import StoreError
from assistant.retrieval.settings import RetrievalSection

if TYPE_CHECKING:
    from assistant.retrieval.base import SearchResult
    from assistant.retrieval.embedder import HeavyGate
    from assistant.retrieval.store import Store

log = logging.getLogger(__name__)


class LazyStore:
    """Opens `<state dir>/retrieval` on first use; a store that cannot open raises StoreError."""

    def __init__(
        self,
        section: RetrievalSection,
        state_dir: Path,
        cache_dir: Path,
        gate: HeavyGate | None = None,
    ) -> None:
        self.section = section
        self.gate = gate
        self.state_dir = state_dir
        self.cache_dir = cache_dir
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _open(self) -> Store:
        """The real store, opened once."""
        with self._lock:
            if self._store is None:
                from assistant.retrieval.store import build_store

                self._store = build_store(
                    self.section, self.state_dir, cache_dir=self.cache_dir, gate=self.gate
                )
            return self._store

    def search(self, query: str, k: int = 5) -> SearchResult:
        """The `k` best chunks for `query`; `mode` says whether embeddings took part."""
        try:
            return self._open().search(query, k)
        except StoreError as exc:
            log.error("retrieval store unavailable: %s", exc)
            raise

    def close(self) -> None:
        """Close the store if it was opened."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
