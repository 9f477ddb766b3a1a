"""MiniLM on onnxruntime: no torch when embedding, and a query in a quarter of the time."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.embedder import DIM, QUIET_OFFLINE, IdleModel, model_path
from assistant.retrieval.errors import EmbedderError

log = logging.getLogger(__name__)
FILES = {"fp32": "minilm-fp32.onnx", "int8": "minilm-int8.onnx"}
SUMS = "sha256.json"
# A tuned embedder's ONNX files live in this subfolder of its model folder.
ONNX_DIR = "onnx"
# Bump when the export changes, so every cached export is redone once.
EXPORT_VERSION = 1
# A first export on a Pi (importing torch, tracing, fusing, quantizing) takes minutes.
EXPORT_TIMEOUT_S = 1800.0
# An export peaks near 1 GB: after a failure, a daemon waits this long before trying again.
EXPORT_RETRY_S = 3600.0
_failed: dict[Path, tuple[float, str]] = {}


def export_folder(cache: Path) -> Path:
    """The export folder for this MiniLM and onnxruntime (a change in either exports again)."""
    weights = Path(model_path()) / "model.safetensors"
    try:
        info = weights.stat()
        runtime = importlib.metadata.version("onnxruntime")
    except (OSError, importlib.metadata.PackageNotFoundError) as exc:
        raise EmbedderError(f"cannot use the ONNX embedder: {exc}") from exc
    key = f"{EXPORT_VERSION}|{weights}|{info.st_size}|{info.st_mtime_ns}|{runtime}"
    return cache / hashlib.sha256(key.encode()).hexdigest()[:16]


def vectors_folder(cache: Path, precision: str = "fp32") -> Path:
    """Where evaluations keep the bundled model's corpus vectors: inside its export folder,
    so that they go when the model or onnxruntime changes."""
    return export_folder(cache) / f"vectors-{precision}"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def ensure_exported(cache: Path, timeout_s: float = EXPORT_TIMEOUT_S) -> Path:
    """The export folder, exporting first (in child processes) if needed; raise EmbedderError."""
    folder = export_folder(cache)
    if (folder / FILES["fp32"]).is_file():
        return folder
    failed_at, why = _failed.get(folder, (-EXPORT_RETRY_S, ""))
    if time.monotonic() - failed_at < EXPORT_RETRY_S:
        raise EmbedderError(f"{why} (not retried for an hour)")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with _locked(cache / "export.lock"):
            # Another process may have exported while this one waited for the lock.
            if not (folder / FILES["fp32"]).is_file():
                _run_export(folder, timeout_s)
                _prune(cache, keep=folder)
    except OSError as exc:
        _failed[folder] = (time.monotonic(), f"{cache}: cannot export the embedding model: {exc}")
        raise EmbedderError(_failed[folder][1]) from exc
    except EmbedderError as exc:
        _failed[folder] = (time.monotonic(), str(exc))
        raise
    return folder


def _run_export(folder: Path, timeout_s: float, model: Path | None = None) -> None:
    """Export `model` (default: the bundled MiniLM) into `folder`, in two child processes."""
    log.warning("exporting the embedding model to ONNX into %s (once; takes a minute)", folder)
    deadline = time.monotonic() + timeout_s
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-export-"))
    named = [str(model)] if model is not None else []
    try:
        export_step(["trace", str(work), *named], timeout_s)
        left = max(deadline - time.monotonic(), 1.0)
        export_step(["finish", str(work), str(folder), *named], left)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def export_step(args: list[str], timeout_s: float) -> None:
    """Run one step of `python -m assistant.retrieval.onnxexport`; raise EmbedderError."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "assistant.retrieval.onnxexport", *args],
            env={**os.environ, **QUIET_OFFLINE},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EmbedderError(f"exporting the embedding model took over {timeout_s:g} s") from exc
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise EmbedderError(lines[-1])


def export_model(model: Path, folder: Path, timeout_s: float = EXPORT_TIMEOUT_S) -> None:
    """Export the sentence-transformers folder `model` (a tuned embedder) into `folder`."""
    _run_export(folder, timeout_s, model)


def _prune(cache: Path, keep: Path) -> None:
    """Drop exports for other model or onnxruntime versions (110 MB each) and crashed ones."""
    for old in cache.iterdir():
        if old.is_dir() and old != keep:
            shutil.rmtree(old, ignore_errors=True)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def intact(folder: Path) -> bool:
    """True when every file of the export matches the checksums written with it."""
    try:
        sums = json.loads((folder / SUMS).read_text(encoding="utf-8"))
        return all(file_sha256(folder / name) == sums.get(name) for name in FILES.values())
    except (OSError, ValueError, AttributeError):
        return False


def _mean_pooling(folder: Path) -> bool:
    config = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    # sentence-transformers 6 saves `"pooling_mode": "mean"`; older folders the boolean.
    return bool(config.get("pooling_mode_mean_tokens")) or config.get("pooling_mode") == "mean"


class OnnxSession:
    """The tokenizer and one onnxruntime session; encode() gives sentence-transformers' vectors."""

    def __init__(self, file: Path, threads: int = 0, model: Path | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = model or Path(model_path())
        if not _mean_pooling(folder):
            raise EmbedderError(f"{folder}: expected mean pooling")
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json pads every text to 128; pad to the batch's longest and cut where
        # sentence-transformers cuts instead.
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        pad = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(
            pad_id=int(pad.get("pad_id", 0)), pad_token=str(pad.get("pad_token", "[PAD]"))
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Spinning threads steal the cores from llama.cpp and stall when those are busy.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def _run(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], np.int64)
        mask = np.array([e.attention_mask for e in encoded], np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        outputs = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})
        hidden = np.asarray(outputs[0], np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Unit vectors for `texts`; batches are cut from texts sorted by length (less padding)."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), DIM), np.float32)
        for start in range(0, len(order), batch):
            part = order[start : start + batch]
            out[part] = self._run([texts[i] for i in part])
        return out


class OnnxEmbedder(IdleModel):
    """all-MiniLM-L6-v2 exported to ONNX under `cache`, fp32 (same vectors as torch) or int8;
    or a tuned embedder's folder `model`, whose export lives in its `onnx/` subfolder."""

    def __init__(
        self,
        cache: Path,
        *,
        precision: str = "fp32",
        batch: int = 32,
        idle_s: float = 120.0,
        threads: int = 0,
        export_timeout_s: float = EXPORT_TIMEOUT_S,
        model: Path | None = None,
    ) -> None:
        super().__init__(batch=batch, idle_s=idle_s, threads=threads, model=model)
        self.cache = cache
        self.precision = precision
        self.export_timeout_s = export_timeout_s

    def _exported(self) -> Path:
        """The folder of the ONNX files, exported first when missing."""
        if self.model is None:
            return ensure_exported(self.cache, self.export_timeout_s)
        folder = self.model / ONNX_DIR
        if not (folder / FILES["fp32"]).is_file():
            export_model(self.model, folder, self.export_timeout_s)
        return folder

    def _load(self) -> Any:
        folder = self._exported()
        try:
            return OnnxSession(folder / FILES[self.precision], self.threads, self.model)
        except ImportError as exc:
            raise EmbedderError(f"cannot use the ONNX embedder: {exc}") from exc
        except Exception as exc:  # onnxruntime's errors share no public base class
            # A damaged export is dropped so that the next load exports it again; an intact
            # one (the failure was memory, say) is kept: exporting costs a minute and 1 GB.
            if not intact(folder):
                shutil.rmtree(folder, ignore_errors=True)
            raise EmbedderError(f"{folder}: cannot load the ONNX model: {exc}") from exc

    def _encode(self, texts: list[str]) -> np.ndarray:
        try:
            vectors: np.ndarray = self._model.encode(texts, self.batch)
            return vectors
        except Exception as exc:  # onnxruntime's errors share no public base class
            raise EmbedderError(f"embedding failed: {exc}") from exc
