"""`assistant bench speak`: time to first audio, generating then speaking vs speaking while writing.

The same answer of the bundled model (fixed prompt, fixed seed) is turned into speech twice per
run: (a) batch, the seed project's way: generate all of it, then synthesise all of it; (b) stream:
the speaker's pipeline, which synthesises each sentence as soon as the model has written it.
Time to first audio (TTFA) runs from the request to the first PCM ready for the device. Both use
a warm worker process and a loaded model, in this process; the result is the median of the runs.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import resolve_model
from assistant.speech.espeak import EspeakSpeaker
from assistant.speech.process import WorkerProcess, worker_command
from assistant.speech.sentences import split_sentences
from assistant.speech.sinks import WavOut

MODEL = "smollm2-135m"
PROMPT = "Give me a short weather report for a sunny day: three short sentences."
SEED = 2
MAX_TOKENS = 80
TARGET_RATIO = 0.5


def memory_split(pid: int | str = "self") -> dict[str, float]:
    """Resident memory of a process in MiB, split into anonymous and file-backed pages."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                fields[key] = int(rest.split()[0])
    anon = fields.get("Anonymous", 0)
    return {"anon_mb": round(anon / 1024, 1), "file_mb": round((fields["Rss"] - anon) / 1024, 1)}


def _batch(
    engine: LocalEngine, worker: WorkerProcess, opts: GenerateOptions, out: Path
) -> tuple[float, str]:
    """Generate the whole answer, then synthesise it whole; return TTFA in ms and the text."""
    t0 = time.monotonic()
    text = engine.generate(PROMPT, opts)
    audio = worker.synthesise(text)
    ttfa = (time.monotonic() - t0) * 1000
    wav = WavOut(out)  # what the WAV sink would do next; not part of the time to first audio
    wav.write(audio)
    wav.close()
    return ttfa, text


def _stream(
    engine: LocalEngine, speaker: EspeakSpeaker, opts: GenerateOptions
) -> tuple[float, str]:
    """Speak the answer while it is written; return TTFA in ms and the text."""
    # first_audio_ms counts from the call; the model starts writing inside it (lazy stream).
    spoken = speaker.say_stream(engine.stream(PROMPT, opts))
    if spoken.first_audio_ms is None:
        raise RuntimeError("the streaming pipeline produced no audio")
    return spoken.first_audio_ms, spoken.text


def run_bench(runs: int = 5, threads: int = 1) -> dict[str, Any]:
    """Measure both ways `runs` times, alternating which goes first; return the report."""
    engine = LocalEngine(resolve_model(MODEL), threads=threads)
    opts = GenerateOptions(max_tokens=MAX_TOKENS, seed=SEED)
    batch_ms: list[float] = []
    stream_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-speak-") as tmp:
        folder = Path(tmp)
        worker = WorkerProcess(worker_command(), timeout_s=60)
        speaker = EspeakSpeaker(folder / "wav", sink="wav", text_out=io.StringIO(), timeout_s=60)
        try:
            worker.start()
            speaker.start()
            # The first answer after loading differs (llama.cpp's state is fresh); from the
            # second on, the same seed gives the same answer: that one is the expected text.
            engine.generate(PROMPT, opts)
            text = engine.generate(PROMPT, opts)
            answers: set[str] = set()
            for i in range(runs):
                for kind in ("batch", "stream") if i % 2 == 0 else ("stream", "batch"):
                    if kind == "batch":
                        ms, said = _batch(engine, worker, opts, folder / f"b{i}.wav")
                        batch_ms.append(ms)
                        answers.add(said)
                    else:
                        ms, streamed = _stream(engine, speaker, opts)
                        stream_ms.append(ms)
                        answers.add(streamed)
            memory = {"process": memory_split(), "worker": memory_split(_pid(worker))}
        finally:
            speaker.close()
            worker.close()
            engine.close()
    report = _report(batch_ms, stream_ms, text, memory, engine)
    report["same_answer"] = answers == {text}
    return report


def _pid(worker: WorkerProcess) -> int:
    if worker.pid is None:
        raise RuntimeError("the batch worker is not running")
    return worker.pid


def _report(
    batch_ms: list[float],
    stream_ms: list[float],
    text: str,
    memory: dict[str, dict[str, float]],
    engine: LocalEngine,
) -> dict[str, Any]:
    """The JSON report."""
    batch, stream = statistics.median(batch_ms), statistics.median(stream_ms)
    ratio = stream / batch
    return {
        "ttfa_batch_ms": round(batch, 1),
        "ttfa_stream_ms": round(stream, 1),
        "ttfa_ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
        "runs": len(batch_ms),
        "batch_runs_ms": [round(x, 1) for x in batch_ms],
        "stream_runs_ms": [round(x, 1) for x in stream_ms],
        "model": engine.name,
        "threads": engine.threads,
        "cpus": len(os.sched_getaffinity(0)),
        "prompt": PROMPT,
        "seed": SEED,
        "text": text,
        "sentences": len(split_sentences(text)),
        "words": len(text.split()),
        "memory_mb": memory,
    }


def main(runs: int = 5, threads: int = 1, as_json: bool = False) -> int:
    """Run the benchmark and print its report; exit 0 (the target is reported, not enforced)."""
    report = run_bench(runs, threads)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"model {report['model']} ({report['threads']} threads), {report['runs']} runs")
    print(f"answer: {report['sentences']} sentences, {report['words']} words")
    print(f"ttfa batch  (generate all, then synthesise): {report['ttfa_batch_ms']:9.1f} ms")
    print(f"ttfa stream (speak while generating):        {report['ttfa_stream_ms']:9.1f} ms")
    verdict = "met" if report["target_met"] else "MISSED"
    print(
        f"ttfa ratio stream/batch: {report['ttfa_ratio']:.3f} (target <= {TARGET_RATIO}: {verdict})"
    )
    for who, mem in report["memory_mb"].items():
        print(f"memory {who}: {mem['anon_mb']} MiB anonymous, {mem['file_mb']} MiB file-backed")
    return 0
