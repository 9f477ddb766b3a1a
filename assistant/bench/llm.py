"""`assistant bench llm`: our generation path against raw llama-cpp-python, in one process."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assistant.bench.stats import median, ratio
from assistant.llm.base import GenerateOptions, Message
from assistant.llm.local import LocalEngine, default_threads, load_llama
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.procmem import drop_page_cache
from skills.clock import clock_prompt

STORY: list[Message] = [
    Message(role="user", content="Write a long story about a robot who learns to grow tomatoes.")
]
DECODE_TOKENS = 96
CONTEXT = 2048


def decode_rate(pieces: Iterator[str], count_tokens: Callable[[str], int]) -> float:
    """Tokens per second from the first piece to the last (prompt processing excluded)."""
    first = last = 0.0
    text = []
    for piece in pieces:
        now = time.perf_counter()
        first = first or now
        last = now
        text.append(piece)
    tokens = count_tokens("".join(text))
    return (tokens - 1) / (last - first) if last > first and tokens > 1 else 0.0


def raw_stream(llama: Any, messages: list[Message]) -> Iterator[str]:
    """Plain llama-cpp-python streaming chat completion: the baseline."""
    for chunk in llama.create_chat_completion(
        messages=messages, max_tokens=DECODE_TOKENS, temperature=0.0, seed=0, stream=True
    ):
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            yield piece


def measure_decode(path: Path, runs: int) -> dict[str, float]:
    """raw_tok_s and assistant_tok_s, alternating runs so both see the same machine noise."""
    raw = load_llama(path, threads=default_threads(), context=CONTEXT)
    ours = LocalEngine(path, context=CONTEXT, prompt_cache=False)

    def count(text: str) -> int:
        return len(raw.tokenize(text.encode(), add_bos=False, special=False))

    raw_rates, our_rates = [], []
    options = GenerateOptions(max_tokens=DECODE_TOKENS, temperature=0.0, seed=0)
    for _ in range(runs):
        raw.reset()
        raw_rates.append(decode_rate(raw_stream(raw, STORY), count))
        ours.reset_context()
        our_rates.append(decode_rate(ours.stream(STORY, options), count))
    raw.close()
    ours.close()
    raw_tok_s, our_tok_s = median(raw_rates), median(our_rates)
    return {
        "raw_tok_s": raw_tok_s,
        "assistant_tok_s": our_tok_s,
        "ratio": ratio(our_tok_s, raw_tok_s),
    }


def first_token_ms(engine: LocalEngine, messages: list[Message], fixed: int) -> float:
    """Milliseconds from the request to the first generated piece."""
    t0 = time.perf_counter()
    stream = engine.stream(
        messages, GenerateOptions(max_tokens=8, temperature=0.0, fixed_prefix=fixed)
    )
    next(iter(stream))
    elapsed = (time.perf_counter() - t0) * 1000
    for _ in stream:  # finish, so the engine's lock is released
        pass
    return elapsed


def measure_ttft(path: Path, runs: int) -> dict[str, Any]:
    """Time to first token for the clock skill's prompt, without and with the prompt cache."""
    prompts = [clock_prompt(f"{h:02d}:{m:02d}") for h, m in ((7, 30), (13, 45), (21, 5))]
    fixed = len(prompts[0]) - 1
    with tempfile.TemporaryDirectory() as tmp:
        cold_engine = LocalEngine(path, context=CONTEXT, prompt_cache=False)
        warm_engine = LocalEngine(path, context=CONTEXT, cache_dir=Path(tmp))
        first_token_ms(warm_engine, prompts[0], fixed)  # builds and saves the prefix state
        cold, cached = [], []
        for i in range(runs):
            prompt = prompts[i % len(prompts)]
            cold_engine.reset_context()
            cold.append(first_token_ms(cold_engine, prompt, fixed))
            # Reset too: the prefix must come back from the cache, not from a hot context.
            warm_engine.reset_context()
            cached.append(first_token_ms(warm_engine, prompt, fixed))
        stats = dict(warm_engine.last)
        disk_engine = LocalEngine(path, context=CONTEXT, cache_dir=Path(tmp))
        disk = first_token_ms(disk_engine, prompts[1], fixed)  # as after a restart
        disk_source = disk_engine.last.get("prompt_cache")
        for engine in (cold_engine, warm_engine, disk_engine):
            engine.close()
    cold_ms, cached_ms = median(cold), median(cached)
    return {
        "ttft_cold_ms": cold_ms,
        "ttft_cached_ms": cached_ms,
        "prompt_cache_speedup": ratio(cold_ms, cached_ms, 2),
        "ttft_after_restart_ms": round(disk, 2),
        "after_restart_source": disk_source,
        "prompt_tokens": stats.get("prompt_tokens"),
        "prefix_tokens": stats.get("prefix_tokens"),
    }


def measure_load(path: Path, runs: int) -> dict[str, Any]:
    """Model load time with the file in page cache, and after dropping it where permitted."""
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        load_llama(path, threads=default_threads(), context=CONTEXT).close()
        warm.append((time.perf_counter() - t0) * 1000)
    result: dict[str, Any] = {"load_warm_ms": median(warm)}
    if drop_page_cache(path):
        t0 = time.perf_counter()
        load_llama(path, threads=default_threads(), context=CONTEXT).close()
        result["load_cold_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    else:
        # Pages mapped by another process (or without permission) cannot be evicted.
        result["load_cold_ms"] = None
        result["load_cold_note"] = "the page cache for the model could not be dropped here"
    return result


def memcpy_gb_s(runs: int, size: int = 256 * 1024 * 1024) -> float:
    """Bytes copied per second between two large buffers: the machine's memory bandwidth."""
    src = np.ones(size // 8, dtype=np.float64)
    dst = np.empty_like(src)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - t0)
    return round(size / statistics.median(times) / 1e9, 2)


def run_bench(runs: int = 5, model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """Every measurement of the LLM benchmark, medians of `runs` runs."""
    path = resolve_model(model)
    result: dict[str, Any] = {"model": path.name, "model_bytes": path.stat().st_size}
    result["threads"] = default_threads()
    result.update(measure_decode(path, runs))
    result.update(measure_ttft(path, runs))
    result.update(measure_load(path, runs))
    result["memcpy_gb_s"] = memcpy_gb_s(runs)
    result["effective_gb_s"] = round(result["model_bytes"] * result["assistant_tok_s"] / 1e9, 2)
    result["runs"] = runs
    return result
