"""The local engine: llama-cpp-python running a GGUF file mapped into memory."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import ModelError
from assistant.idle import IdleTimer
from assistant.llm.base import GenerateOptions, Message, Prompt, as_messages
from assistant.llm.chat import ChatTemplate
from assistant.llm.endingmask import EndingMask, Vocabulary
from assistant.llm.logprob import Spans, TokenScore, reply_logprobs
from assistant.llm.promptcache import PromptCache, model_identity
from assistant.procmem import release_free_heap, warm_page_cache

log = logging.getLogger(__name__)


def default_threads() -> int:
    """All cores this process may use: llama.cpp's default of half of them halves decode speed."""
    return len(os.sched_getaffinity(0)) or 1


class LocalEngine:
    """A llama.cpp model, loaded lazily on first use, one generation at a time."""

    # `GenerateOptions.reply_start` is honoured (models without a chat template refuse it).
    continues_replies = True

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 0,
        context: int = 2048,
        seed: int = 0,
        mlock: bool = False,
        idle_unload_s: float = 0.0,
        cache_dir: Path | None = None,
        prompt_cache: bool = True,
    ) -> None:
        self.path = path
        self.threads = threads or default_threads()
        self.context = context
        self.seed = seed
        self.mlock = mlock
        self.idle_unload_s = idle_unload_s
        self.cache_dir = cache_dir
        self.use_prompt_cache = prompt_cache
        # What the last generation did, for benchmarks and `doctor`.
        self.last: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._llama: Any = None
        self._template: ChatTemplate | None = None
        self._cache: PromptCache | None = None
        self._vocab: Vocabulary | None = None
        self._idle = IdleTimer(idle_unload_s, self._lock, self._unload_idle)

    @property
    def name(self) -> str:
        """The model file's name without its extension."""
        return self.path.stem

    @property
    def loaded(self) -> bool:
        """True while the model is mapped and its context allocated."""
        return self._llama is not None

    def _model(self) -> Any:
        """Return the loaded model, loading it first if needed; the caller holds the lock."""
        if self._llama is None:
            self._llama = load_llama(
                self.path, threads=self.threads, context=self.context, mlock=self.mlock
            )
            has_template = "tokenizer.chat_template" in self._llama.metadata
            self._template = ChatTemplate(self._llama) if has_template else None
            if self.use_prompt_cache and self._template is not None:
                identity = model_identity(self.path, self.context)
                self._cache = PromptCache(identity, self.cache_dir)
        return self._llama

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """Return the whole answer to `prompt`."""
        return "".join(self.stream(prompt, options))

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield the answer piece by piece; the model is locked until the stream ends."""
        opts = options or GenerateOptions()
        messages = as_messages(prompt)
        with self._lock:
            llama = self._model()
            try:
                yield from self._stream_locked(llama, messages, opts)
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"{self.path}: generation failed: {exc}") from exc
            finally:
                # A grammar's sampler frees a few MiB of small blocks per token: hand their
                # pages back rather than keep the arena at its peak.
                release_free_heap()
                self._idle.touch()

    def _stream_locked(
        self, llama: Any, messages: list[Message], opts: GenerateOptions
    ) -> Iterator[str]:
        """Render, reuse the cached prefix, then stream the completion."""
        seed = self.seed if opts.seed is None else opts.seed
        grammar = None
        if opts.grammar:
            from llama_cpp.llama_grammar import LlamaGrammar

            grammar = LlamaGrammar.from_string(opts.grammar, verbose=False)
        processors = self._processors(llama, opts)
        if self._template is None:  # no template in the GGUF: llama-cpp-python's default format
            if opts.reply_start:
                raise ValueError("no chat template in the GGUF: cannot continue a reply")
            chunks = llama.create_chat_completion(
                messages=messages, max_tokens=opts.max_tokens, temperature=opts.temperature,
                stop=list(opts.stop) or None, seed=seed, grammar=grammar, stream=True,
                logits_processor=processors,
            )  # fmt: skip
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
            return
        rendered = self._template.render(messages, opts.fixed_prefix)
        cache = "off"
        if self._cache is not None and rendered.prefix_tokens:
            cache = self._cache.ensure(llama, rendered.tokens[: rendered.prefix_tokens])
        # A written start of the answer is evaluated in one batch with the prompt, not
        # sampled token by token.
        tokens = rendered.tokens
        if opts.reply_start:
            tokens = tokens + self._template.continuation(opts.reply_start)
        self.last = {"prompt_tokens": len(tokens), "prefix_tokens": rendered.prefix_tokens}
        self.last["prompt_cache"] = cache
        chunks = llama.create_completion(
            prompt=tokens, max_tokens=opts.max_tokens, temperature=opts.temperature,
            stop=[*opts.stop, *rendered.stop] or None, seed=seed, grammar=grammar,
            stopping_criteria=rendered.stopping_criteria, stream=True,
            logits_processor=processors,
        )  # fmt: skip
        for chunk in chunks:
            piece = chunk["choices"][0]["text"]
            if piece:
                yield piece

    def _processors(self, llama: Any, opts: GenerateOptions) -> Any:
        """The logits processors `opts` asks for (avoided words, an ending), or None. Both go
        in one list: llama-cpp-python drops its own processors when given `logit_bias` too
        (it keeps the result of `list.extend`, which is None)."""
        from llama_cpp import LogitsProcessorList

        found: list[Any] = []
        avoided = avoided_tokens(llama, opts.avoid)
        if avoided:
            found.append(avoiding(avoided))
        if opts.ending is not None:
            found.append(EndingMask(opts.ending, self._vocabulary(llama)).processor())
        return LogitsProcessorList(found) if found else None

    def _vocabulary(self, llama: Any) -> Vocabulary:
        """The loaded model's token tables for ending masks (built once per load, 0.2 s)."""
        if self._vocab is None:
            self._vocab = Vocabulary.of_llama(llama)
        return self._vocab

    def score(self, prompt: Prompt, reply: str, wanted: Spans | None = None) -> list[TokenScore]:
        """Each token of `reply`, as the answer to `prompt`, with the model's logprob of it
        (no sampling; the evaluated prefix the last generation left is reused); with
        `wanted`, only the tokens overlapping those character spans are scored."""
        with self._lock:
            llama = self._model()
            if self._template is None:
                raise ModelError(f"{self.path}: no chat template in the GGUF: cannot score")
            head, full = self._template.render_reply(as_messages(prompt), reply)
            try:
                return reply_logprobs(llama, head, full, wanted)
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"{self.path}: scoring failed: {exc}") from exc
            finally:
                self._idle.touch()

    def warm(self) -> None:
        """Bring the model's pages into memory and load it, before a run that must be quick."""
        warm_page_cache(self.path)
        with self._lock:
            self._model()
            self._idle.touch()

    def reset_context(self) -> None:
        """Forget every evaluated token, so the next prompt is processed from scratch."""
        with self._lock:
            if self._llama is not None:
                self._llama.reset()

    def _unload_idle(self) -> None:
        """Free the model after `idle_unload_s` unused (mmap makes reloading it cheap)."""
        log.info("model idle for %gs: unloading it", self.idle_unload_s)
        self._free()

    def _free(self) -> None:
        """Drop the model; the caller holds the lock."""
        if self._llama is not None:
            self._llama.close()
            self._llama = None
            self._template = None
            self._cache = None
            self._vocab = None

    def close(self) -> None:
        """Free the model; the next call loads it again (cheap: the file stays in page cache)."""
        self._idle.cancel()
        with self._lock:
            self._free()


def avoiding(tokens: list[int]) -> Any:
    """A logits processor that forbids `tokens` (in place: no copy of the 49k scores)."""
    import numpy as np

    banned = np.array(tokens, dtype=np.int64)

    def apply(_input_ids: Any, scores: Any) -> Any:
        scores[banned] = -np.inf
        return scores

    return apply


def avoided_tokens(llama: Any, words: tuple[str, ...]) -> list[int]:
    """The token ids of `words` as the model writes them mid-sentence and at a line's start
    (" moon", "Moon", ...), for each spelling that is a single token; a word split into
    pieces is left alone: banning its first piece would ban other words too."""
    found = []
    for word in words:
        for spelling in {f" {word}", f" {word.capitalize()}", word, word.capitalize()}:
            ids = llama.tokenize(spelling.encode(), add_bos=False, special=False)
            if len(ids) == 1:
                found.append(ids[0])
    return sorted(set(found))


def load_llama(path: Path, *, threads: int, context: int, mlock: bool = False) -> Any:
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
            use_mlock=mlock,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"cannot load model {path}: not a usable GGUF file ({exc})") from exc
