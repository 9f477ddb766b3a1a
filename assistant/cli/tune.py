"""The `assistant tune` subcommands: re-fit the fusion on labelled pairs, fine-tune the embedder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.cli.table import Commands


def _say(args: argparse.Namespace) -> Any:
    """Progress lines on stderr, unless --json."""

    def say(line: str) -> None:
        if not args.json:
            print(line, file=sys.stderr, flush=True)

    return say


def _pairs(args: argparse.Namespace, state: Path) -> list[Any]:
    """The pairs of --pairs FILE, else the stored `ask` feedback."""
    from assistant.retrieval.pairs import feedback_pairs, load_pairs

    return load_pairs(Path(args.pairs)) if args.pairs else feedback_pairs(state)


def cmd_tune_embedder(args: argparse.Namespace) -> int:
    """Fine-tune MiniLM on a BEIR split's training queries (and pairs); score it held out."""
    from assistant.config import config_path, load_config
    from assistant.paths import load_paths
    from assistant.retrieval.errors import EvalError
    from assistant.retrieval.evaluate import load_beir
    from assistant.retrieval.finetune import TrainOptions
    from assistant.retrieval.hybrid import Fusion
    from assistant.retrieval.tuneembed import EmbedderTuning, tune_embedder

    if not 0 < args.queries_split < 1:
        raise EvalError(f"--queries-split {args.queries_split}: must be between 0 and 1")
    s = load_config(config_path(args.config)).retrieval
    paths = load_paths()
    # Without a BEIR folder and without --pairs: the stored `ask` feedback.
    pairs = _pairs(args, paths.state) if args.dir is None or args.pairs else []
    if args.dir is None and not pairs:
        raise EvalError("tune embedder: no BEIR_DIR, no --pairs and no rated ask answers yet")
    options = TrainOptions(
        epochs=args.epochs,
        batch=args.batch,
        lr=args.lr,
        max_seq=args.max_seq,
        max_steps=args.max_steps,
    )
    job = EmbedderTuning(
        name=args.name,
        data=load_beir(Path(args.dir)) if args.dir else None,
        pairs=pairs,
        share=args.queries_split,
        options=options,
        fusion=Fusion(s.rrf_k, s.weight_bm25, s.weight_dense, s.fusion_depth),
        precision=args.embed_precision or s.embed_precision,
    )
    report = tune_embedder(job, paths.state, paths.cache, say=_say(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"embedder {report['name']!r} in {report['path']}: {report['steps']} steps on "
        f"{report['triplets']} triplets in {report['train_s']} s ({report['train_cpu_s']} s "
        f"of CPU), peak anonymous memory "
        f"{report['train_peak_anon_mb']} MiB"
    )
    for arm in ("dense", "hybrid"):
        if "before" in report:
            before, after = report["before"][arm]["ndcg@10"], report["after"][arm]["ndcg@10"]
            print(f"{arm:<7} nDCG@10 on held-out queries: {before:.4f} -> {after:.4f}")
    return 0


def cmd_tune_retrieval(args: argparse.Namespace) -> int:
    """Re-fit the fusion and ask's threshold on labelled pairs, guarded by SciFact nDCG@10."""
    from assistant.config import config_path, load_config
    from assistant.paths import load_paths
    from assistant.retrieval.errors import EvalError
    from assistant.retrieval.hybrid import Fusion
    from assistant.retrieval.store import embed_spec, store_dir
    from assistant.retrieval.tuned import with_tuned, write_tuned
    from assistant.retrieval.tunefusion import MAX_LOSS, tune_fusion
    from assistant.retrieval.tuneguard import load_runs, shipped_split

    paths = load_paths()
    pairs = _pairs(args, paths.state)
    if not pairs:
        raise EvalError("tune retrieval: no rated ask answers yet (assistant feedback), no --pairs")
    root = store_dir(paths.state)
    s = with_tuned(load_config(config_path(args.config)).retrieval, root)
    if s.embedder == "none":
        raise EvalError('tune retrieval: [retrieval] embedder is "none"; there is no fusion to fit')
    runs = load_runs(shipped_split())
    embedder = embed_spec(s, paths.cache).build(batch=s.embed_batch, idle_s=3600)
    try:
        current = Fusion(s.rrf_k, s.weight_bm25, s.weight_dense, s.fusion_depth)
        report = tune_fusion(pairs, embedder, current, s.ask_min_relevance, runs)
    finally:
        embedder.close()
    guard = report["scifact_ndcg@10"]
    if report["refused"]:
        line = (
            f"refused: nDCG@10 on SciFact train would fall from {guard['before']:.4f} to "
            f"{guard['after']:.4f}, more than {MAX_LOSS}; nothing written"
        )
    elif not report["changed"]:
        line = "no change: the current values fit these pairs best"
    elif args.dry_run:
        line = "dry run: nothing written"
    else:
        keep = {"pairs": report["pairs"], "scifact_ndcg@10": guard["after"]}
        line = f"written to {write_tuned(root, report['after'], keep)}"
    _print_tuning(report, line, as_json=args.json)
    return 1 if report["refused"] else 0


def _print_tuning(report: dict[str, Any], line: str, *, as_json: bool) -> None:
    """The report (a table, or JSON with `result`), then `line`: on stderr when refused."""
    if as_json:
        print(json.dumps(report | {"result": line}, indent=2))
    else:
        before, after = report["before"], report["after"]
        for key in before:
            print(f"{key:<18} {before[key]!s:>6} -> {after[key]!s:<6}")
        guard = report["scifact_ndcg@10"]
        print(f"SciFact train nDCG@10 {guard['before']:.4f} -> {guard['after']:.4f}")
    if report["refused"]:
        print(line, file=sys.stderr)
    elif not as_json:
        print(line)


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    group = commands.group("tune", "fit retrieval to your data and feedback")
    p = group.add(
        "retrieval", cmd_tune_retrieval, "re-fit the fusion and ask's threshold on labelled pairs"
    )
    p.add_argument(
        "--pairs", metavar="FILE", help="JSONL: query, text, good (default: the ask feedback)"
    )
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.add_argument("--json", action="store_true")
    p = group.add(
        "embedder", cmd_tune_embedder, "fine-tune MiniLM on a BEIR split (and pairs), as NAME"
    )
    p.add_argument("dir", nargs="?", metavar="BEIR_DIR", help="corpus.jsonl, queries.jsonl, qrels")
    p.add_argument("--name", default="tuned", help="the embedder's name (default: tuned)")
    p.add_argument("--pairs", metavar="FILE", help="also train on these labelled pairs (JSONL)")
    p.add_argument(
        "--queries-split",
        type=float,
        default=0.8,
        metavar="F",
        help="share of the judged queries trained on (seeded); the rest are held out (0.8)",
    )
    p.add_argument("--epochs", type=int, default=1, help="passes over the training pairs (1)")
    p.add_argument("--batch", type=int, default=16, help="pairs per step (16)")
    p.add_argument("--lr", type=float, default=5e-5, help="peak learning rate (5e-5)")
    p.add_argument("--max-seq", type=int, default=128, help="tokens per text in training (128)")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: none)")
    p.add_argument(
        "--embed-precision",
        choices=("fp32", "int8"),
        help="score before and after with ONNX weights of this precision ([retrieval] default)",
    )
    p.add_argument("--json", action="store_true")
