"""The local engine: llama-cpp-python running a GGUF file mapped into memory."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import ModelError
from assistant.llm.base import GenerateOptions, Prompt, as_messages

log = logging.getLogger(__name__)


def default_threads() -> int:
    """All cores this process may use: llama.cpp's default of half of them halves decode speed."""
    return len(os.sched_getaffinity(0)) or 1


class LocalEngine:
    """A llama.cpp model, loaded lazily on first use, one generation at a time."""

    def __init__(self, path: Path, *, threads: int = 0, context: int = 2048, seed: int = 0) -> None:
        self.path = path
        self.threads = threads or default_threads()
        self.context = context
        self.seed = seed
        self._lock = threading.Lock()
        self._llama: Any = None

    @property
    def name(self) -> str:
        """The model file's name without its extension."""
        return self.path.stem

    def _model(self) -> Any:
        """Return the loaded model, loading it first if needed; the caller holds the lock."""
        if self._llama is None:
            self._llama = load_llama(self.path, threads=self.threads, context=self.context)
        return self._llama

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """Return the whole answer to `prompt`."""
        return "".join(self.stream(prompt, options))

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield the answer piece by piece; the model is locked until the stream ends."""
        opts = options or GenerateOptions()
        with self._lock:
            llama = self._model()
            kwargs: dict[str, Any] = {
                "messages": as_messages(prompt),
                "max_tokens": opts.max_tokens,
                "temperature": opts.temperature,
                "stop": list(opts.stop) or None,
                "seed": self.seed if opts.seed is None else opts.seed,
                "stream": True,
            }
            if opts.grammar:
                from llama_cpp.llama_grammar import LlamaGrammar

                kwargs["grammar"] = LlamaGrammar.from_string(opts.grammar, verbose=False)
            try:
                for chunk in llama.create_chat_completion(**kwargs):
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"{self.path}: generation failed: {exc}") from exc

    def close(self) -> None:
        """Free the model; the next call loads it again (cheap: the file stays in page cache)."""
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


def load_llama(path: Path, *, threads: int, context: int) -> Any:
    """Map a GGUF file into memory with llama.cpp; raise ModelError naming the path."""
    if not path.is_file():
        raise ModelError(f"model file does not exist: {path}")
    from llama_cpp import Llama

    log.info("loading model %s (%d threads, context %d)", path, threads, context)
    try:
        return Llama(
            model_path=str(path),
            n_ctx=context,
            n_threads=threads,
            n_threads_batch=threads,
            use_mmap=True,
            use_mlock=False,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"cannot load model {path}: {exc}") from exc
