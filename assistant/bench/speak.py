"""`assistant bench speak`: Piper and espeak-ng side by side, and time to first audio.

For each engine, in this process and one run: the worker's start and voice load time; its
real-time factor (synthesis time / audio duration) on the bundled model's answer; its resident
memory. Then the same answer (fixed prompt, fixed seed) is turned into speech twice per run and
engine: (a) batch, the seed project's way: generate all of it, then synthesise all of it;
(b) stream: the speaker's pipeline, which synthesises each sentence as soon as the model has
written it. Time to first audio (TTFA) runs from the request to the first PCM ready for the
device. Both use a warm worker and a loaded model; every figure is the median of the runs.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.bench.stats import median, ratio
from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import resolve_model
from assistant.procmem import rss_split
from assistant.speech.process import WorkerOptions, WorkerProcess, worker_command
from assistant.speech.sentences import split_sentences
from assistant.speech.sinks import WavOut
from assistant.speech.speaker import WorkerSpeaker

MODEL = "smollm2-135m"
PROMPT = "Give me a short weather report for a sunny day: three short sentences."
SEED = 2
MAX_TOKENS = 80
TARGET_RATIO = 0.5
TARGET_RTF = 0.25
ENGINES = ("piper", "espeak")
DEFAULT_ENGINE = "piper"
# Modules that must never be loaded by the daemon's own process: the engines live in the worker.
ENGINE_MODULES = ("piper", "onnxruntime", "pyttsx3")


@dataclass
class EngineRuns:
    """One engine's workers and what was measured with them."""

    name: str
    worker: WorkerProcess
    speaker: WorkerSpeaker
    start_ms: list[float] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)
    rtf: list[float] = field(default_factory=list)
    batch_ms: list[float] = field(default_factory=list)
    stream_ms: list[float] = field(default_factory=list)

    @classmethod
    def open(cls, name: str, folder: Path) -> EngineRuns:
        """A batch worker and a streaming speaker for engine `name`, both started."""
        options = WorkerOptions(engine="piper" if name == "piper" else "espeak")
        worker = WorkerProcess(worker_command(options), timeout_s=60)
        speaker = WorkerSpeaker(
            folder / name, sink="wav", options=options, text_out=io.StringIO(), timeout_s=60
        )
        worker.start()
        speaker.start()
        if worker.engine != name:
            raise RuntimeError(
                f"the {name} worker speaks with {worker.engine!r}: {worker.fallback}"
            )
        return cls(name, worker, speaker)

    def close(self) -> None:
        """Stop both workers."""
        self.speaker.close()
        self.worker.close()


def _cold_start(runs: EngineRuns) -> None:
    """Start a fresh worker of the engine: process start to greeting, and the voice's load."""
    cold = WorkerProcess(list(runs.worker.command), timeout_s=60)
    t0 = time.monotonic()
    try:
        cold.start()
        runs.start_ms.append((time.monotonic() - t0) * 1000)
        runs.load_ms.append(cold.load_ms or 0.0)
    finally:
        cold.close()


def _batch(
    engine: LocalEngine, runs: EngineRuns, opts: GenerateOptions, out: Path
) -> tuple[float, str]:
    """Generate the whole answer, then synthesise it whole; note TTFA and the real-time factor."""
    t0 = time.monotonic()
    text = engine.generate(PROMPT, opts)
    t1 = time.monotonic()
    audio = runs.worker.synthesise(text)
    t2 = time.monotonic()
    runs.batch_ms.append((t2 - t0) * 1000)
    runs.rtf.append((t2 - t1) / audio.seconds)
    wav = WavOut(out)  # what the WAV sink would do next; not part of the time to first audio
    wav.write(audio)
    wav.close()
    return runs.batch_ms[-1], text


def _stream(engine: LocalEngine, runs: EngineRuns, opts: GenerateOptions) -> tuple[float, str]:
    """Speak the answer while it is written; note TTFA."""
    # first_audio_ms counts from the call; the model starts writing inside it (lazy stream).
    spoken = runs.speaker.say_stream(engine.stream(PROMPT, opts))
    if spoken.first_audio_ms is None:
        raise RuntimeError("the streaming pipeline produced no audio")
    runs.stream_ms.append(spoken.first_audio_ms)
    return spoken.first_audio_ms, spoken.text


def _one_run(
    i: int, engine: LocalEngine, all_runs: list[EngineRuns], opts: GenerateOptions, folder: Path
) -> set[str]:
    """Run `i`: each engine cold-started, then batch and stream (orders alternate by run)."""
    answers: set[str] = set()
    for runs in all_runs if i % 2 == 0 else all_runs[::-1]:
        _cold_start(runs)
        for kind in ("batch", "stream") if i % 2 == 0 else ("stream", "batch"):
            if kind == "batch":
                answers.add(_batch(engine, runs, opts, folder / f"{runs.name}-{i}.wav")[1])
            else:
                answers.add(_stream(engine, runs, opts)[1])
    return answers


def run_bench(runs: int = 5, threads: int = 1) -> dict[str, Any]:
    """Measure both engines `runs` times; return the report."""
    engine = LocalEngine(resolve_model(MODEL), threads=threads)
    opts = GenerateOptions(max_tokens=MAX_TOKENS, seed=SEED)
    all_runs: list[EngineRuns] = []
    with tempfile.TemporaryDirectory(prefix="bench-speak-") as tmp:
        folder = Path(tmp)
        try:
            all_runs = [EngineRuns.open(name, folder) for name in ENGINES]
            # The first answer after loading differs (llama.cpp's state is fresh); from the
            # second on, the same seed gives the same answer: that one is the expected text.
            engine.generate(PROMPT, opts)
            text = engine.generate(PROMPT, opts)
            answers: set[str] = set()
            for i in range(runs):
                answers |= _one_run(i, engine, all_runs, opts, folder)
            memory = {r.name: rss_split(_pid(r.worker)) for r in all_runs}
            process = rss_split()
        finally:
            for r in all_runs:
                r.close()
            engine.close()
    report = _report(all_runs, text, memory, process, engine)
    report["same_answer"] = answers == {text}
    return report


def _pid(worker: WorkerProcess) -> int:
    if worker.pid is None:
        raise RuntimeError("the batch worker is not running")
    return worker.pid


def _engine_report(runs: EngineRuns, memory: dict[str, float]) -> dict[str, Any]:
    """One engine's figures (medians) and its worker's memory."""
    batch, stream = statistics.median(runs.batch_ms), statistics.median(runs.stream_ms)
    return {
        "start_ms": median(runs.start_ms, 1),
        "load_ms": median(runs.load_ms, 1),
        "rtf": median(runs.rtf, 3),
        "ttfa_ms": round(stream, 1),
        "ttfa_batch_ms": round(batch, 1),
        "ttfa_ratio": ratio(stream, batch),
        "sample_rate": runs.worker.sample_rate,
        "voice": runs.worker.voice,
        "memory_mb": memory,
        "rtf_runs": [round(x, 3) for x in runs.rtf],
        "batch_runs_ms": [round(x, 1) for x in runs.batch_ms],
        "stream_runs_ms": [round(x, 1) for x in runs.stream_ms],
    }


def _report(
    all_runs: list[EngineRuns],
    text: str,
    memory: dict[str, dict[str, float]],
    process: dict[str, float],
    engine: LocalEngine,
) -> dict[str, Any]:
    """The JSON report; the top-level TTFA keys are the default engine's."""
    engines = {r.name: _engine_report(r, memory[r.name]) for r in all_runs}
    default = engines[DEFAULT_ENGINE]
    return {
        "engines": engines,
        "default_engine": DEFAULT_ENGINE,
        "ttfa_batch_ms": default["ttfa_batch_ms"],
        "ttfa_stream_ms": default["ttfa_ms"],
        "ttfa_ratio": default["ttfa_ratio"],
        "target_ratio": TARGET_RATIO,
        "target_met": default["ttfa_ratio"] <= TARGET_RATIO,
        "target_rtf": TARGET_RTF,
        "rtf_target_met": default["rtf"] <= TARGET_RTF,
        "runs": len(default["batch_runs_ms"]),
        "batch_runs_ms": default["batch_runs_ms"],
        "stream_runs_ms": default["stream_runs_ms"],
        "model": engine.name,
        "threads": engine.threads,
        "cpus": len(os.sched_getaffinity(0)),
        "prompt": PROMPT,
        "seed": SEED,
        "text": text,
        "sentences": len(split_sentences(text)),
        "words": len(text.split()),
        "memory_mb": {"process": process, "worker": memory[DEFAULT_ENGINE]},
        "engine_in_process": sorted(m for m in ENGINE_MODULES if m in sys.modules),
    }


def main(runs: int = 5, threads: int = 1, as_json: bool = False) -> int:
    """Run the benchmark and print its report; exit 0 (the targets are reported, not enforced)."""
    report = run_bench(runs, threads)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"model {report['model']} ({report['threads']} threads), {report['runs']} runs")
    print(f"answer: {report['sentences']} sentences, {report['words']} words")
    for name, e in report["engines"].items():
        mem = e["memory_mb"]
        print(
            f"{name:<7} start {e['start_ms']:7.1f} ms (voice load {e['load_ms']:.1f} ms), "
            f"rtf {e['rtf']:.3f}, ttfa batch {e['ttfa_batch_ms']:.1f} ms, "
            f"stream {e['ttfa_ms']:.1f} ms (ratio {e['ttfa_ratio']:.3f}), "
            f"worker {mem['anon_mb']} MiB anonymous + {mem['file_mb']} MiB file-backed"
        )
    ratio = "met" if report["target_met"] else "MISSED"
    rtf = "met" if report["rtf_target_met"] else "MISSED"
    default = report["default_engine"]
    print(f"{default}: ttfa ratio <= {TARGET_RATIO}: {ratio}; rtf <= {TARGET_RTF}: {rtf}")
    mem = report["memory_mb"]["process"]
    print(f"this process: {mem['anon_mb']} MiB anonymous + {mem['file_mb']} MiB file-backed")
    return 0
