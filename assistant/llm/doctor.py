"""`assistant doctor`: the model, this process's memory split, and the llama.cpp build."""

from __future__ import annotations

import time
from typing import Any

from assistant.config import Config
from assistant.errors import ModelError
from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine, default_threads
from assistant.llm.models import resolve_model
from assistant.procmem import mapped_rss, mem_available, page_cache_bytes, process_memory


def llama_build() -> dict[str, Any]:
    """The llama-cpp-python version and the CPU features llama.cpp was built with."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    # "CPU : SSE3 = 1 | AVX = 1 | ..." -> ["AVX", "SSE3", ...]
    features = sorted(
        part.split("=")[0].rsplit(":", 1)[-1].strip()
        for part in info.split("|")
        if part.strip().endswith("= 1")
    )
    return {"version": llama_cpp.__version__, "system_info": info.strip(), "features": features}


def diagnose(config: Config, load: bool = True) -> dict[str, Any]:
    """Measure before and after loading the local model (and a 4-token generation)."""
    name = config.llm.model if config.llm.backend == "local" else config.llm.local_model
    report: dict[str, Any] = {
        "backend": config.llm.backend,
        "threads": config.llm.threads or default_threads(),
    }
    if config.llm.backend == "remote":
        report["remote"] = {"url": config.llm.url, "model": config.llm.model}
    if not name:
        report["process"] = process_memory()
        report["mem_available_bytes"] = mem_available()
        return report
    path = resolve_model(name)
    model: dict[str, Any] = {"name": name, "path": str(path), "size_bytes": path.stat().st_size}
    model["page_cache_bytes_before"] = page_cache_bytes(path)
    report["model"] = model
    report["process_before_load"] = process_memory()
    if load:
        engine = LocalEngine(path, threads=config.llm.threads, context=config.llm.context)
        t0 = time.monotonic()
        try:
            engine.generate("Say hi.", GenerateOptions(max_tokens=4, temperature=0))
        except ModelError as exc:
            report["error"] = str(exc)
        model["load_and_generate_ms"] = round((time.monotonic() - t0) * 1000, 1)
        model["mapped_rss_bytes"] = mapped_rss(path)
        model["page_cache_bytes"] = page_cache_bytes(path)
        report["process_after_load"] = process_memory()
        engine.close()
    report["mem_available_bytes"] = mem_available()
    report["llama_cpp"] = llama_build()
    return report
