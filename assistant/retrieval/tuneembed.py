"""`assistant tune embedder`: fine-tune MiniLM on a BEIR split's training queries (and feedback
pairs), save it as a named embedder with its ONNX export, and score it on the held-out queries."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.files import write_json_atomic
from assistant.procmem import peak_anon
from assistant.retrieval.embedder import EmbedSpec
from assistant.retrieval.errors import EvalError
from assistant.retrieval.evaluate import Beir, cached_vectors, evaluate
from assistant.retrieval.finetune import (
    TrainOptions,
    Triplet,
    mine_triplets,
    split_queries,
    train,
    triplets_from_pairs,
)
from assistant.retrieval.hybrid import Fusion
from assistant.retrieval.onnxembed import ONNX_DIR, export_model, vectors_folder
from assistant.retrieval.pairs import RelevancePair

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
REPORT = "tuning.json"
ARMS = ("bm25", "dense", "hybrid")


def embedders_dir(state: Path) -> Path:
    """Where tuned embedders live: `<state dir>/embedders/NAME/`."""
    return state / "embedders"


def check_name(name: str) -> str:
    """`name` when it is a valid embedder name; raise EvalError."""
    if not NAME.fullmatch(name):
        raise EvalError(f"embedder name {name!r}: use 1-40 of a-z, 0-9, '-' and '_'")
    return name


def named_embedder(state: Path, name: str) -> Path:
    """The folder of the tuned embedder `name`; raise EvalError when there is none."""
    folder = embedders_dir(state) / check_name(name)
    if not (folder / ONNX_DIR).is_dir() or not (folder / "modules.json").is_file():
        raise EvalError(f"no tuned embedder {name!r} in {embedders_dir(state)}")
    return folder


def held_out(data: Beir, qids: list[str]) -> Beir:
    """The same corpus with only the queries `qids`."""
    return Beir(
        data.doc_ids,
        data.doc_texts,
        {q: data.queries[q] for q in qids},
        {q: data.qrels[q] for q in qids},
    )


@dataclass
class EmbedderTuning:
    """What to train on and how: a BEIR split (cut into train and held-out) and/or pairs."""

    name: str
    data: Beir | None = None
    pairs: list[RelevancePair] = field(default_factory=list)
    share: float = 0.8
    options: TrainOptions = field(default_factory=TrainOptions)
    fusion: Fusion = field(default_factory=Fusion)
    precision: str = "fp32"  # of the ONNX files that score before and after


def _scores(data: Beir, spec: EmbedSpec, fusion: Fusion) -> dict[str, Any]:
    """nDCG@10 and recall@100 of each arm with the embedder `spec` (the bundled model's
    corpus vectors are cached: they do not change between runs)."""
    embedder = spec.build(batch=32, idle_s=3600)
    try:
        vectors = None
        if spec.model is None and spec.cache is not None:
            embedder.embed(["warm up"])  # exports first when needed
            folder = vectors_folder(spec.cache, spec.precision)
            vectors = cached_vectors(data.doc_texts, embedder, folder)
        result = evaluate(data, embedder, fusion, vectors=vectors)
    finally:
        embedder.close()
    return {arm: result[arm] for arm in ARMS} | {"build_s": result["build_s"]}


def _training_set(job: EmbedderTuning, report: dict[str, Any]) -> tuple[list[Triplet], Beir | None]:
    """The triplets to train on and the held-out queries (None without a BEIR split)."""
    triplets: list[Triplet] = []
    held: Beir | None = None
    if job.data is not None:
        train_q, held_q = split_queries(job.data.qrels, job.share)
        held = held_out(job.data, held_q)
        triplets += mine_triplets(job.data, train_q, job.options.negatives)
        report.update(queries_train=len(train_q), queries_held_out=len(held_q), share=job.share)
    triplets += triplets_from_pairs(job.pairs, job.options.negatives)
    report["pairs"] = len(job.pairs)
    return triplets, held


def _train_and_export(
    job: EmbedderTuning, triplets: list[Triplet], root: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Train into a temporary folder, export it to ONNX, move it to `root/NAME`."""
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=f".tmp-{job.name}-"))
    try:
        say(f"training on {len(triplets)} (query, passage, negatives) triplets")
        wall, cpu = time.perf_counter(), time.process_time()
        with peak_anon() as peak:
            report = train(triplets, work, job.options, on_step=_progress(say))
        report["train_s"] = round(time.perf_counter() - wall, 1)
        report["train_cpu_s"] = round(time.process_time() - cpu, 1)
        report["train_peak_anon_mb"] = peak.peak_mb
        say("exporting to ONNX")
        wall = time.perf_counter()
        export_model(work, work / ONNX_DIR)
        report["export_s"] = round(time.perf_counter() - wall, 1)
        report["path"] = str(_install(work, root / job.name))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def tune_embedder(
    job: EmbedderTuning,
    state: Path,
    cache: Path,
    say: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Train, export and (with a BEIR split) score before and after; return the report."""
    check_name(job.name)
    report: dict[str, Any] = {
        "name": job.name,
        "options": asdict(job.options),
        "embed_precision": job.precision,
    }
    triplets, held = _training_set(job, report)
    report.update(_train_and_export(job, triplets, embedders_dir(state), say))
    folder = Path(report["path"])
    if held is not None:
        say(f"scoring the bundled MiniLM on {len(held.queries)} held-out queries")
        bundled = EmbedSpec("onnx", job.precision, cache=cache / "embedder-onnx")
        report["before"] = _scores(held, bundled, job.fusion)
        say("scoring the tuned embedder on the same queries")
        tuned = EmbedSpec("onnx", job.precision, cache=cache, model=folder)
        report["after"] = _scores(held, tuned, job.fusion)
    write_json_atomic(folder / REPORT, report)
    return report


def _progress(say: Callable[[str], None]) -> Callable[[int, int, float], None]:
    """Report about every tenth step."""

    def step(done: int, total: int, loss: float) -> None:
        if done == total or done % max(1, total // 10) == 0:
            say(f"step {done}/{total}, loss {loss:.3f}")

    return step


def _install(work: Path, folder: Path) -> Path:
    """Move the trained model into place, replacing an older one of the same name."""
    if folder.exists():
        old = folder.with_name(f".old-{folder.name}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
        shutil.rmtree(old, ignore_errors=True)
    os.replace(work, folder)
    return folder
