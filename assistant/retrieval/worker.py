"""Embedding in a child process, so the daemon never carries the model (or torch) while idle."""

from __future__ import annotations

import json
import logging
import os
import selectors
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from assistant.retrieval.embedder import DIM, QUIET_OFFLINE, EmbedSpec
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


class WorkerEmbedder:
    """MiniLM (on torch unless `spec` says otherwise) in a child process started on first use
    and stopped after `idle_s` unused."""

    dim = DIM

    def __init__(
        self,
        spec: EmbedSpec | None = None,
        *,
        batch: int = 32,
        idle_s: float = 120.0,
        timeout_s: float = 120.0,
    ) -> None:
        self.spec = spec or EmbedSpec(backend="torch")
        self.batch = batch
        self.idle_s = idle_s
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._timer: threading.Timer | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in the worker; raise EmbedderError (and restart next time) on failure."""
        if not texts:
            return np.empty((0, self.dim), np.float32)
        with self._lock:
            try:
                vectors = self._ask(list(texts))
            except (OSError, EOFError, TimeoutError, ValueError) as exc:
                self._stop()
                raise EmbedderError(f"the embedding worker failed: {exc}") from exc
            self._arm_idle_timer()
        return vectors

    def _ask(self, texts: list[str]) -> np.ndarray:
        if self._proc is None and self.spec.backend == "onnx" and self.spec.cache is not None:
            # Exported here, under no deadline but the export's own, not in the worker: a
            # first export takes a minute or more and must not count against `timeout_s`.
            from assistant.retrieval.onnxembed import ensure_exported

            ensure_exported(self.spec.cache)
        proc = self._proc or self._start()
        assert proc.stdin is not None and proc.stdout is not None
        write_frame(proc.stdin, json.dumps({"texts": texts, "batch": self.batch}).encode())
        deadline = time.monotonic() + self.timeout_s
        head = json.loads(read_frame(proc.stdout, deadline))
        if not head.get("ok"):
            raise ValueError(head.get("error", "unknown worker error"))
        body = read_frame(proc.stdout, deadline)
        return np.frombuffer(body, dtype=np.float32).reshape(len(texts), self.dim).copy()

    def _start(self) -> subprocess.Popen[bytes]:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.retrieval.worker", json.dumps(self.spec.to_json())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **QUIET_OFFLINE},
        )
        log.info("embedding worker started (pid %d)", self._proc.pid)
        return self._proc

    def _arm_idle_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.idle_s, self.close)
        self._timer.daemon = True
        self._timer.start()

    def _stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        proc.stdout.close()
        # Cleared only now: a pid that is not None always names a live (or unreaped) worker.
        self._proc = None
        log.info("embedding worker stopped")

    def close(self) -> None:
        """Stop the worker; the next embed() starts a new one."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._stop()


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
    # stdout carries frames: anything a library prints must go to stderr instead.
    frames = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, frames, EmbedSpec.from_json(json.loads(sys.argv[1])))
