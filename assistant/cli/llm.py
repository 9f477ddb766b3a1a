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
    from assistant.paths import state_dir

    path = pull_model(args.repo, args.file, state_dir())
    print(f"pulled {args.repo}/{args.file} -> {path}")
    print(f'use it with: [llm] model = "{path}"')
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Report the model, memory split and llama.cpp build."""
    from assistant.config import config_path, load_config
    from assistant.llm.doctor import diagnose

    report = diagnose(load_config(config_path(args.config)), load=not args.no_load)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    _print_report(report)
    return 0


def _print_report(report: dict[str, Any], indent: str = "") -> None:
    """Print nested dicts as indented `key: value` lines."""
    for key, value in report.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_report(value, indent + "  ")
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
    p = commands.add("doctor", cmd_doctor, "model, memory and llama.cpp build report")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-load", action="store_true", help="do not load the model")
    p = commands.group("bench", "benchmarks").add("llm", cmd_bench_llm, "LLM benchmark")
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
