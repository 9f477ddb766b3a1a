"""The `assistant` subcommands of the LLM area: models, doctor, bench llm."""

from __future__ import annotations

import argparse
import json
from typing import Any

from assistant.cli.table import Commands


def cmd_models_list(args: argparse.Namespace) -> int:
    """Show the known and pulled models, their sizes and whether they are present."""
    from assistant.llm.models import list_models
    from assistant.paths import state_dir

    rows = list_models(state_dir())
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        size = f"{row['size_bytes'] / 1e6:.0f} MB" if row["present"] else "-"
        state = "present" if row["present"] else "missing"
        print(f"{row['name']:<28} {size:>8}  {state:<8} {row['path'] or row['description']}")
    return 0


def cmd_models_pull(args: argparse.Namespace) -> int:
    """Download a GGUF file from the Hugging Face Hub."""
    from assistant.llm.pull import pull_model
    from assistant.paths import load_paths

    path = pull_model(args.repo, args.file, load_paths().state)
    print(f"pulled {args.repo}/{args.file} -> {path}")
    print(f'use it with: [llm] model = "{path}"')
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check what the daemon needs (model, voice, sound card, clock, feeds); report memory."""
    from assistant.app import load_plan
    from assistant.config import config_path, load_config
    from assistant.doctor import checks_text, run_checks
    from assistant.http import HttpFetcher
    from assistant.llm.doctor import diagnose
    from assistant.llm.models import resolve_model
    from assistant.llm.reach import check_engines
    from assistant.paths import state_dir
    from assistant.speech.voices import VOICES_DIR

    config = load_config(config_path(args.config))
    _registry, plan = load_plan(config)
    with HttpFetcher(config.news.fetch_limits()) as fetcher:
        voices = state_dir() / VOICES_DIR
        checks = run_checks(config, plan, fetcher, resolve_model, voices)
    # Right after the model: which skill uses which engine, and can each answer.
    checks[1:1] = check_engines(config, plan)
    report = diagnose(config, load=not args.no_load)
    failed = any(c.status == "fail" for c in checks)
    if args.json:
        print(json.dumps({"checks": [c.to_json() for c in checks], **report}, indent=2))
        return 1 if failed else 0
    print("\n".join(checks_text(checks)))
    _print_report(report)
    return 1 if failed else 0


def _print_report(report: dict[str, Any], indent: str = "") -> None:
    """Print nested dicts as indented `key: value` lines; byte counts in human units."""
    from assistant.doctor import human_bytes

    for key, value in report.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_report(value, indent + "  ")
        elif "_bytes" in key and isinstance(value, int):
            print(f"{indent}{key.replace('_bytes', '')}: {human_bytes(value)}")
        elif isinstance(value, list):
            print(f"{indent}{key}: {' '.join(map(str, value))}")
        else:
            print(f"{indent}{key}: {value}")


def cmd_bench_llm(args: argparse.Namespace) -> int:
    """Benchmark our generation path against raw llama-cpp-python."""
    from assistant.bench.llm import run_bench

    result = run_bench(runs=args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_report(result)
    return 0


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    models = commands.group("models", "language models")
    p = models.add("list", cmd_models_list, "list known and pulled models")
    p.add_argument("--json", action="store_true")
    p = models.add("pull", cmd_models_pull, "download a GGUF file from the Hugging Face Hub")
    p.add_argument("repo", help="repository, e.g. bartowski/SmolLM2-360M-Instruct-GGUF")
    p.add_argument("file", help="file in it, e.g. SmolLM2-360M-Instruct-Q4_K_M.gguf")
    p = commands.add(
        "doctor", cmd_doctor, "check the model, voice, sound card, clock and feeds; memory"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-load", action="store_true", help="do not load the model")
    p = commands.group("bench", "benchmarks").add("llm", cmd_bench_llm, "LLM benchmark")
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
