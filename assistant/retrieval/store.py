"""The store: SQLite catalogue + the current index generation; search says which mode answered."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.procmem import available_mb
from assistant.retrieval.base import Hit, SearchResult
from assistant.retrieval.docstore import DamagedStoreError, DocStore
from assistant.retrieval.embedder import Embedder, EmbedSpec, HeavyGate, IdleModel
from assistant.retrieval.errors import EmbedderError, StoreError
from assistant.retrieval.generations import current_name, load_generation, write_generation
from assistant.retrieval.hybrid import DenseOptions, Fusion, HybridIndex
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.sparse import Coverage
from assistant.retrieval.tuned import with_tuned

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
RETRY_EMBEDDER_S = 60.0


def stamp(ids: np.ndarray) -> str:
    """A fingerprint of the chunk ids an index covers, to spot an index older than the catalogue."""
    return hashlib.sha256(np.asarray(ids, np.int64).tobytes()).hexdigest()[:16]


class Store:
    """Notes and headlines: search for skills and `ask`, rebuild for `index`."""

    def __init__(self, root: Path, section: RetrievalSection, embedder: Embedder | None) -> None:
        self.root = root
        self.section = section
        self.embedder = embedder
        self._lock = threading.Lock()
        self._embedder_failed_at = -1e9
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{root}: cannot create the store folder: {exc}") from exc
        self.docs = open_docstore(root / "docs.sqlite")
        self.generation: str | None = None
        self.index = HybridIndex.build(np.empty(0, np.int64), [], None)
        self.index_stamp = stamp(np.empty(0, np.int64))
        self.identity = EmbedSpec(section.embed_backend, section.embed_precision).identity
        self.index_identity = self.identity
        self.reload()

    @property
    def fusion(self) -> Fusion:
        """The fusion settings of the config."""
        s = self.section
        return Fusion(s.rrf_k, s.weight_bm25, s.weight_dense, s.fusion_depth)

    def reload(self) -> None:
        """Load the newest good generation; with none, index the catalogue in memory."""
        gen = load_generation(self.root)
        with self._lock:
            if gen is not None:
                self.index = HybridIndex.load(gen.path, gen.meta, self.section.hnsw_ef_search)
                self.generation, self.index_stamp = gen.name, str(gen.meta.get("stamp", ""))
                self.index_identity = str(gen.meta.get("embedder", "none"))
                return
            self.generation = None
        if self.docs.count():
            log.warning("%s: no good index generation; rebuilding from the catalogue", self.root)
            self.index = self._build_index(None)
            self.index_stamp = stamp(self.index.sparse_ids)

    def _maybe_reload(self) -> None:
        # Another process (`assistant index`) may have switched the pointer since.
        name = current_name(self.root)
        if name is not None and name != self.generation:
            self.reload()

    def search(self, query: str, k: int = 5) -> SearchResult:
        """The `k` best chunks for `query`, fused when the embedder can answer, else BM25 alone."""
        started = time.perf_counter()
        self._maybe_reload()
        index = self.index
        vector: np.ndarray | None = None
        if self.embedder is None:
            reason: str | None = "embedder disabled"
        elif index.dense is None or index.dense.size == 0:
            reason = "no vectors in the index"
        else:
            vector, reason = self._query_vector(query)
        embedded = time.perf_counter()
        pairs = index.search(query, vector, k, self.fusion)
        ids = [i for i, _ in pairs]
        rows = self.docs.get_chunks(ids)
        cosines = self._similarities(ids, vector)
        fit = Coverage(query, index.sparse)
        hits = [
            Hit(
                r.path,
                r.heading,
                r.text,
                round(score, 6),
                r.kind,
                similarity=cosines.get(i),
                coverage=round(fit.of(f"{r.heading}\n{r.text}"), 4),
            )
            for i, score in pairs
            if (r := rows.get(i)) is not None
        ]
        done = time.perf_counter()
        mode = "hybrid" if vector is not None else "bm25"
        timings = {"embed_ms": (embedded - started) * 1e3, "total_ms": (done - started) * 1e3}
        return SearchResult(hits=hits, mode=mode, reason=reason, timings=timings)

    def _similarities(self, ids: list[int], vector: np.ndarray | None) -> dict[int, float]:
        """Cosines of the query and each chunk (vectors are unit length); none without a vector."""
        if vector is None:
            return {}
        vectors = self.docs.get_vectors(ids)
        return {i: round(float(v @ vector), 4) for i, v in vectors.items() if v.size == vector.size}

    def _query_vector(self, query: str) -> tuple[np.ndarray | None, str | None]:
        assert self.embedder is not None
        if time.monotonic() - self._embedder_failed_at < RETRY_EMBEDDER_S:
            return None, "embedder failed recently"
        if available_mb() < self.section.min_available_mb:
            return None, "memory short"
        try:
            return self.embedder.embed([query])[0], None
        except EmbedderError as exc:
            log.error("falling back to BM25: %s", exc)
            self._embedder_failed_at = time.monotonic()
            return None, f"embedder failed: {exc}"

    def _build_index(self, progress: Progress | None) -> HybridIndex:
        if self.embedder is not None and self.docs.claim_vectors(self.identity):
            log.warning("embedding every chunk again: the embedder is now %s", self.identity)
        rows = self.docs.all_chunks()
        ids = np.array([r[0] for r in rows], np.int64)
        texts = [r[1] for r in rows]
        vectors = self._vectors(rows, progress)
        s = self.section
        options = DenseOptions(s.hnsw_above, s.hnsw_m, s.hnsw_ef_search)
        return HybridIndex.build(ids, texts, vectors, options)

    def _vectors(
        self, rows: list[tuple[int, str, bytes | None]], progress: Progress | None
    ) -> np.ndarray | None:
        """Cached vectors, embedding (and caching) the missing ones; None without an embedder."""
        if self.embedder is None:
            return None
        dim = self.embedder.dim
        out = np.full((len(rows), dim), np.nan, np.float32)
        missing = []
        for n, (_, _, blob) in enumerate(rows):
            if blob is not None and len(blob) == dim * 4:
                out[n] = np.frombuffer(blob, np.float32)
            else:
                missing.append(n)
        try:
            for start in range(0, len(missing), 256):
                part = missing[start : start + 256]
                vecs = self.embedder.embed([rows[n][1] for n in part])
                out[part] = vecs
                self.docs.set_vectors([rows[n][0] for n in part], vecs)
                if progress:
                    progress(start + len(part), len(missing))
        except EmbedderError as exc:
            log.error("indexing without vectors for %d chunks: %s", len(missing), exc)
        return out

    def rebuild(self, progress: Progress | None = None) -> str:
        """Write a new generation from the catalogue and switch to it; return its name."""
        index = self._build_index(progress)
        new_stamp = stamp(index.sparse_ids)

        def fill(folder: Path) -> dict[str, Any]:
            meta = index.save(folder)
            meta["stamp"] = new_stamp
            meta["embedder"] = self.identity if self.embedder else "none"
            return meta

        name = write_generation(self.root, fill, keep=self.section.keep_generations)
        with self._lock:
            self.index, self.generation, self.index_stamp = index, name, new_stamp
            self.index_identity = self.identity if self.embedder else "none"
        return name

    def is_stale(self) -> bool:
        """True when the catalogue holds chunks the current index does not (or vice versa), or
        the index's vectors come from another embedder than the configured one."""
        if self.embedder is not None and self.index_identity != self.identity:
            return True
        rows = self.docs.all_chunks()
        return stamp(np.array([r[0] for r in rows], np.int64)) != self.index_stamp

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's writer lock (one `index` at a time, across processes)."""
        try:
            fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot lock the store: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def close(self) -> None:
        """Close the catalogue and stop the embedder."""
        self.docs.close()
        if self.embedder is not None:
            self.embedder.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_docstore(path: Path) -> DocStore:
    """Open the catalogue; a damaged one is moved aside (and re-indexed later), never fatal.

    Only SQLite's own verdict (corrupt, not a database) counts as damage. A catalogue that
    cannot be written (read-only disk, wrong owner) is opened read-only and stays put.
    """
    try:
        return DocStore(path)
    except DamagedStoreError as exc:
        aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
        log.error("%s; moving it to %s and starting an empty catalogue", exc, aside.name)
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{path}{suffix}")
            if src.exists():
                try:
                    os.replace(src, Path(f"{aside}{suffix}"))
                except OSError as move:
                    raise StoreError(f"{path}: damaged and cannot be moved aside: {move}") from exc
        return DocStore(path)
    except StoreError as exc:
        if not path.is_file():
            raise
        log.warning("%s; answering from it read-only", exc)
        return DocStore(path, read_only=True)


def embed_spec(section: RetrievalSection, cache: Path) -> EmbedSpec:
    """The config's embedding runtime; ONNX exports live in `<cache>/embedder-onnx`."""
    return EmbedSpec(
        backend=section.embed_backend,
        precision=section.embed_precision,
        cache=cache / "embedder-onnx",
    )


def build_embedder(
    section: RetrievalSection, cache: Path, gate: HeavyGate | None = None
) -> Embedder | None:
    """The embedder the config asks for (nothing is loaded until the first embed); heavy jobs
    go batch by batch through `gate` when given."""
    if section.embedder == "none":
        return None
    spec = embed_spec(section, cache)
    embedder: IdleModel
    if section.embed_in == "inline":
        embedder = spec.build(batch=section.embed_batch, idle_s=section.idle_unload_s)
    else:
        from assistant.retrieval.worker import WorkerEmbedder

        embedder = WorkerEmbedder(
            spec,
            batch=section.embed_batch,
            idle_s=section.idle_unload_s,
            timeout_s=section.embed_timeout_s,
        )
    embedder.gate = gate
    return embedder


def store_dir(state_dir: Path) -> Path:
    """Where the store lives under the state dir."""
    return state_dir / "retrieval"


def build_store(
    section: RetrievalSection,
    state_dir: Path,
    embedder: Embedder | None = None,
    *,
    cache_dir: Path | None = None,
    gate: HeavyGate | None = None,
) -> Store:
    """The store under `<state dir>/retrieval`, with the given embedder or the config's one
    (whose ONNX export lives under `cache_dir`, which is then required; `gate` holds its heavy
    jobs back while the machine needs quiet), and the section's fusion and ask threshold
    overridden by the store's tuned.json."""
    if embedder is None and section.embedder != "none":
        if cache_dir is None:
            raise ValueError("build_store: a cache_dir is needed to build the embedder")
        embedder = build_embedder(section, cache_dir, gate)
    # Values `assistant tune retrieval` fitted (tuned.json) win over the config's.
    root = store_dir(state_dir)
    return Store(root, with_tuned(section, root), embedder)
