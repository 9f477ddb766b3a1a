"""Embedding in a child process, so the daemon never carries the model (or torch) while idle."""

from __future__ import annotations

import json
import logging
import os
import selectors
import struct
import subprocess
import sys
import time
from typing import IO, Any

import numpy as np

from assistant.orphans import exit_with_parent
from assistant.retrieval.embedder import QUIET_OFFLINE, EmbedSpec, IdleModel
from assistant.retrieval.errors import EmbedderError

log = logging.getLogger(__name__)
HEADER = struct.Struct("<I")


def write_frame(out: IO[bytes], payload: bytes) -> None:
    """Write one length-prefixed frame."""
    out.write(HEADER.pack(len(payload)) + payload)
    out.flush()


def read_exact(stream: IO[bytes], size: int, deadline: float | None) -> bytes:
    """Read exactly `size` bytes, before `deadline` (monotonic) when given."""
    fd = stream.fileno()
    chunks: list[bytes] = []
    left = size
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while left:
            timeout = None if deadline is None else deadline - time.monotonic()
            if timeout is not None and (timeout <= 0 or not sel.select(timeout)):
                raise TimeoutError("no answer in time")
            piece = os.read(fd, left)
            if not piece:
                raise EOFError("the other side closed the pipe")
            chunks.append(piece)
            left -= len(piece)
    return b"".join(chunks)


def read_frame(stream: IO[bytes], deadline: float | None = None) -> bytes:
    """Read one length-prefixed frame."""
    (size,) = HEADER.unpack(read_exact(stream, HEADER.size, deadline))
    return read_exact(stream, size, deadline)


class WorkerEmbedder(IdleModel):
    """MiniLM (on torch unless `spec` says otherwise) in a child process started on first use
    and stopped after `idle_s` unused; the process is this embedder's "model"."""

    def __init__(
        self,
        spec: EmbedSpec | None = None,
        *,
        batch: int = 32,
        idle_s: float = 120.0,
        timeout_s: float = 120.0,
    ) -> None:
        self.spec = spec or EmbedSpec(backend="torch")
        super().__init__(batch=batch, idle_s=idle_s, threads=self.spec.threads)
        self.timeout_s = timeout_s

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        return self._model.pid if self._model is not None else None

    def _load(self) -> subprocess.Popen[bytes]:
        if self.spec.backend == "onnx" and self.spec.cache is not None:
            # Exported here, under no deadline but the export's own, not in the worker: a
            # first export takes a minute or more and must not count against `timeout_s`.
            from assistant.retrieval.onnxembed import ensure_exported

            ensure_exported(self.spec.cache)
        spec = json.dumps(self.spec.to_json())
        command = [sys.executable, "-m", "assistant.retrieval.worker", spec]
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, **QUIET_OFFLINE},
            )
        except OSError as exc:
            raise EmbedderError(f"cannot start the embedding worker: {exc}") from exc
        log.info("embedding worker started (pid %d)", proc.pid)
        return proc

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embed in the worker; on failure stop it (the next embed starts a new one)."""
        try:
            return self._ask(self._model, texts)
        except (OSError, EOFError, TimeoutError, ValueError) as exc:
            self._release()
            raise EmbedderError(f"the embedding worker failed: {exc}") from exc

    def _ask(self, proc: subprocess.Popen[bytes], texts: list[str]) -> np.ndarray:
        assert proc.stdin is not None and proc.stdout is not None
        write_frame(proc.stdin, json.dumps({"texts": texts, "batch": self.batch}).encode())
        deadline = time.monotonic() + self.timeout_s
        head = json.loads(read_frame(proc.stdout, deadline))
        if not head.get("ok"):
            raise ValueError(head.get("error", "unknown worker error"))
        body = read_frame(proc.stdout, deadline)
        return np.frombuffer(body, dtype=np.float32).reshape(len(texts), self.dim).copy()

    def _release(self) -> None:
        proc: subprocess.Popen[bytes] = self._model
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        proc.stdout.close()
        # Cleared only now: a pid that is not None always names a live (or unreaped) worker.
        self._model = None
        log.info("embedding worker stopped")


def serve(inp: IO[bytes], out: IO[bytes], spec: EmbedSpec) -> None:
    """The worker's loop: a frame of texts in, a header frame and a vectors frame out."""
    embedder = spec.build(idle_s=1e9)
    while True:
        try:
            request: dict[str, Any] = json.loads(read_frame(inp))
        except EOFError:
            return
        embedder.batch = int(request.get("batch", 32))
        try:
            vectors = embedder.embed(request["texts"])
        except EmbedderError as exc:
            write_frame(out, json.dumps({"ok": False, "error": str(exc)}).encode())
            continue
        write_frame(out, json.dumps({"ok": True}).encode())
        write_frame(out, np.ascontiguousarray(vectors, dtype=np.float32).tobytes())


if __name__ == "__main__":
    exit_with_parent()
    # stdout carries frames: anything a library prints must go to stderr instead.
    frames = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, frames, EmbedSpec.from_json(json.loads(sys.argv[1])))
