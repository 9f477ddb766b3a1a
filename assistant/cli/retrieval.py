"""The `assistant` subcommands of this area: index, ask, eval retrieval, bench retrieval."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.cli.table import Commands

if TYPE_CHECKING:
    from assistant.journal import Journal
    from assistant.llm.contract import Outcome
    from assistant.retrieval.ask import Answer

# The skill name of `ask` answers in the journal (feedback on them tunes retrieval).
ASK = "ask"


def _section(args: argparse.Namespace) -> Any:
    from assistant.config import config_path, load_config

    return load_config(config_path(args.config)).retrieval


def cmd_index(args: argparse.Namespace) -> int:
    """Index notes (Markdown and text) and the headline archive."""
    from assistant.cli.progress import Spinner
    from assistant.config import config_path, load_config
    from assistant.news.archive import archive_path
    from assistant.paths import load_paths
    from assistant.retrieval.indexer import index_paths
    from assistant.retrieval.store import build_store

    config = load_config(config_path(args.config))
    section = config.retrieval
    paths = load_paths()
    archive = archive_path(paths.state)
    use_archive = section.index_headlines and not args.no_headlines
    spinner = Spinner(sys.stderr, enabled=not args.json)
    with spinner:
        gate = _admit(config.service, spinner)
        spinner.step("reading notes and headlines")
        with build_store(section, paths.state, cache_dir=paths.cache, gate=gate) as store:
            report = index_paths(
                store,
                [Path(p) for p in args.paths],
                archive=archive if use_archive else None,
                progress=spinner.progress,
            )
    out = {
        "added": len(report.added),
        "updated": len(report.updated),
        "removed": len(report.removed),
        "unchanged": report.unchanged,
        "headlines": report.headlines,
        "chunks": report.chunks,
        "generation": report.generation,
        "skipped": report.skipped,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(
            f"{out['added']} added, {out['updated']} updated, {out['removed']} removed, "
            f"{out['unchanged']} unchanged; {out['chunks']} chunks in {out['generation']}"
        )
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    return 0


def _admit(service: Any, spinner: Any) -> Any:
    """Wait (bounded) while the Pi is short of memory, hot or throttled, or the daemon is
    preparing or speaking a briefing: indexing would make it late. Return the gate that holds
    the run's embedding batches back the same way (a briefing may start during a long run)."""
    from assistant.admission import Admission, EmbedGate, Limits

    said: list[str] = []

    def waiting(verdict: Any) -> None:
        reasons = "; ".join(verdict.reasons)
        spinner.step(f"waiting to index: {reasons}")
        if reasons not in said:
            said.append(reasons)
            logging.getLogger(__name__).warning("index waits: %s", reasons)

    admission = Admission(Limits.from_section(service), busy=_daemon_busy)
    admission.wait(service.admission_wait_s, on_wait=waiting)
    gate = EmbedGate(Limits.from_section(service), service.admission_wait_s)
    gate.busy = _daemon_busy
    return gate


def _daemon_busy() -> list[str]:
    """What the running daemon is preparing or speaking ([] without a daemon)."""
    from assistant.service.client import request_daemon
    from assistant.service.errors import ServiceError

    try:
        answer = request_daemon({"command": "status"}, timeout=5.0)
    except ServiceError:
        return []
    busy: list[str] = (answer.get("admission") or {}).get("busy") or []
    return busy


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question from the notes and headlines, citing the source."""
    from assistant.app import build_app, quiet_text
    from assistant.cli.progress import Spinner, watch_app
    from assistant.config import config_path
    from assistant.llm.contract import collecting
    from assistant.retrieval.ask import AskOptions, ask
    from assistant.retrieval.store import build_store

    app = build_app(config_path(args.config), text_out=quiet_text())
    spinner = Spinner(sys.stderr, enabled=not args.json)
    watch_app(app, spinner)
    spinner.step("searching notes and headlines")
    started = datetime.now().astimezone()
    outcomes: list[Outcome] = []
    try:
        section = app.config.retrieval
        with spinner, collecting(outcomes):
            with build_store(section, app.paths.state, cache_dir=app.paths.cache) as store:
                # store.section: the config's, with tuned.json's threshold winning.
                options = AskOptions(store.section, app.config.llm.seed)
                answer = ask(store, app.llm, args.question, options)
            if not args.no_speak:
                app.speaker.say(answer.spoken)
        uid = journal_answer(app.journal, args.question, answer, outcomes, started)
    finally:
        app.close()
    if args.json:
        sources = [{"path": h.path, "heading": h.heading, "score": h.score} for h in answer.sources]
        out = {
            "answer": answer.answer,
            "answered": answer.answered,
            "mode": answer.mode,
            "sources": sources,
            "spoken": answer.spoken,
            "fallback": answer.fallback,
            "id": uid,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(answer.spoken)
    return 0


def journal_answer(
    journal: Journal, question: str, answer: Answer, outcomes: list[Outcome], started: datetime
) -> str:
    """Journal an answer as an utterance of `ask` (with the question and the cited passage,
    so that feedback on it becomes question-passage pairs); return its id."""
    from assistant.feedback.utterance import said_fields
    from assistant.journal import RunRecord
    from assistant.skill import Reply, Source

    cited = [Source(path=h.path, heading=h.heading, text=h.text) for h in answer.sources]
    said = said_fields(Reply(answer.spoken, cited=cited), outcomes) | {"input": question}
    uid = journal.new_id()
    at = started.isoformat(timespec="seconds")
    record = RunRecord(skill=ASK, started=at, outcome="ok", text=answer.spoken, id=uid, **said)
    journal.record(record)
    return uid


def cmd_eval(args: argparse.Namespace) -> int:
    """nDCG@10 and recall@100 of bm25, dense and hybrid on a BEIR-layout folder."""
    from pydantic import ValidationError

    from assistant.paths import load_paths
    from assistant.retrieval.errors import EvalError
    from assistant.retrieval.evaluate import evaluate, load_beir
    from assistant.retrieval.hybrid import DenseOptions, Fusion
    from assistant.retrieval.store import embed_spec

    s = _section(args)
    overrides = {"embed_backend": args.embed_backend, "embed_precision": args.embed_precision}
    try:
        s = type(s).model_validate({**s.model_dump(), **{k: v for k, v in overrides.items() if v}})
    except ValidationError as exc:
        problem = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise EvalError(f"--embed-backend, --embed-precision: {problem}") from exc
    data = load_beir(Path(args.dir))
    paths = load_paths()
    spec = embed_spec(s, paths.cache)
    if args.embedder:
        from assistant.retrieval.tuneembed import named_embedder

        spec = replace(spec, model=named_embedder(paths.state, args.embedder))
    embedder = spec.build(batch=s.embed_batch, idle_s=3600)
    try:
        embedder.embed(["warm up"])  # loading (or exporting) the model is not build time
        result = evaluate(
            data,
            embedder,
            Fusion(s.rrf_k, s.weight_bm25, s.weight_dense, s.fusion_depth),
            DenseOptions(s.hnsw_above, s.hnsw_m, s.hnsw_ef_search),
        )
    finally:
        embedder.close()
    result["embed_backend"] = s.embed_backend
    result["embed_precision"] = s.embed_precision
    result["embedder"] = args.embedder or "minilm"
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for arm in ("bm25", "dense", "hybrid"):
        print(
            f"{arm:<7} nDCG@10 {result[arm]['ndcg@10']:.4f}  recall@100 "
            f"{result[arm]['recall@100']:.4f}"
        )
    print(
        f"{result['docs']} docs, {result['queries']} queries; build {result['build_s']} s "
        f"({result['embed_docs_per_s']} docs/s, {result['embed_backend']} "
        f"{result['embed_precision']}); "
        f"query p50 {result['query_ms_p50']} ms, p95 {result['query_ms_p95']} ms; "
        f"bm25 p50 {result['bm25_query_ms_p50']} ms"
    )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Anonymous and file-backed memory of a daemon-like process, idle and while embedding."""
    from assistant.bench.retrieval import measure, throughput

    result = measure(runs=args.runs)
    result["embedding_throughput"] = throughput(rounds=args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    stages = {k: v for k, v in result.items() if isinstance(v, dict) and "anon_mb" in v}
    stages["embedding_worker (daemon)"] = result["embedding_worker"]["daemon"]
    stages["embedding_worker (worker)"] = result["embedding_worker"]["worker"]
    for stage, value in stages.items():
        print(f"{stage:<28} anon {value['anon_mb']:7.1f} MiB  file {value['file_mb']:7.1f} MiB")
    print(
        f"hybrid query p50: onnx {result['hybrid_query_ms_p50_onnx']} ms, torch "
        f"{result['hybrid_query_ms_p50_torch']} ms (ratio {result['query_ratio_onnx_vs_torch']}), "
        f"worker {result['hybrid_query_ms_p50_worker']} ms; bm25 {result['bm25_query_ms_p50']} ms"
    )
    speed = result["embedding_throughput"]
    print(
        "embedding docs/s (median): "
        + ", ".join(f"{k} {v}" for k, v in speed["docs_per_s"].items())
        + "; vs torch: "
        + ", ".join(f"{k} {v}" for k, v in speed["ratio_vs_torch"].items())
    )
    return 0


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    p = commands.add("index", cmd_index, "index notes (Markdown, text) and the headline archive")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders of notes")
    p.add_argument("--no-headlines", action="store_true", help="leave the headline archive out")
    p.add_argument("--json", action="store_true")
    p = commands.add("ask", cmd_ask, "answer a question from your notes and headlines")
    p.add_argument("question")
    p.add_argument("--no-speak", action="store_true", help="print only, do not speak")
    p.add_argument("--json", action="store_true")
    group = commands.group("eval", "measure quality on a data set")
    p = group.add("retrieval", cmd_eval, "nDCG@10, recall@100 and latency on a BEIR folder")
    p.add_argument("dir", metavar="DIR", help="folder with corpus.jsonl, queries.jsonl, qrels.tsv")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--embed-backend",
        choices=("onnx", "torch"),
        help="run MiniLM on this runtime instead of [retrieval] embed_backend",
    )
    p.add_argument(
        "--embed-precision",
        choices=("fp32", "int8"),
        help="ONNX weights of this precision instead of [retrieval] embed_precision",
    )
    p.add_argument("--embedder", metavar="NAME", help="a tuned embedder (assistant tune embedder)")
    p = commands.group("bench", "benchmarks").add(
        "retrieval", cmd_bench, "memory (anonymous, file-backed) idle and while embedding"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=21, help="query timings per median")
    p.add_argument("--rounds", type=int, default=3, help="embedding throughput rounds per median")
