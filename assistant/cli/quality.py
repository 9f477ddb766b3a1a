"""The `assistant` subcommands of this area: `eval skills`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from assistant.cli.table import Commands


def _engines(args: argparse.Namespace, config: Any, state: Path) -> list[tuple[str, Any]]:
    """(backend, LLM) pairs: the configured one, plus `--model M` or `--backend remote`."""
    from assistant.app import build_llm, build_local_engine
    from assistant.llm.remote import RemoteEngine
    from assistant.quality.evaluate import EvalError

    engines: list[tuple[str, Any]] = [(config.llm.backend, build_llm(config, state))]
    if args.model:
        engines.append(("local", build_local_engine(config, args.model, state)))
    if args.backend == "remote":
        if not config.llm.url:
            raise EvalError("--backend remote: [llm] url is not set in the config")
        key = os.environ.get(config.llm.api_key_env, "")
        remote = RemoteEngine(
            config.llm.url, config.llm.model, api_key=key, timeout_s=config.llm.timeout_s
        )
        engines.append(("remote", remote))
    return engines


def eval_configs(config: Any) -> dict[str, dict[str, Any]]:
    """Each skill's own options from the config (what the daemon would run it with, without
    the keys every skill section may hold), and [retrieval] for `ask`."""
    from assistant.config import split_skill_section

    configs = {name: split_skill_section(table)[1] for name, table in config.skills.items()}
    configs["ask"] = config.retrieval.model_dump()
    return configs


def cmd_eval_skills(args: argparse.Namespace) -> int:
    """Run the skills' eval sets and print their metrics, one column per model."""
    from assistant.app import build_exemplars
    from assistant.config import config_path, load_config
    from assistant.paths import load_paths
    from assistant.quality.evaluate import EVALUATORS, EvalOptions, evaluate_skills
    from assistant.quality.learning import StateLearner

    config = load_config(config_path(args.config))
    paths = load_paths()
    skills = args.skill or sorted(EVALUATORS)
    runs = []
    # What ratings taught counts: the learned exemplars and the rules of disliked outputs.
    exemplars = build_exemplars(config, paths.cache, state=paths.state)
    learner = StateLearner(paths.state, exemplars)
    try:
        for backend, llm in _engines(args, config, paths.state):
            try:
                with tempfile.TemporaryDirectory(prefix="eval-skills-") as tmp:
                    options = EvalOptions(
                        args.limit,
                        exemplars,
                        Path(tmp),
                        configs=eval_configs(config),
                        cache_dir=paths.cache,
                        learner=learner,
                    )
                    result = evaluate_skills(llm, skills, options)
            finally:
                llm.close()
            runs.append({"model": llm.name, "backend": backend, "skills": result})
    finally:
        exemplars.close()
    if args.json:
        print(json.dumps({"runs": runs}, indent=2))
    else:
        print_table(runs)
    return 0


def print_table(runs: list[dict[str, Any]]) -> None:
    """Per skill, one row per metric and one column per model."""
    heads = [f"{r['model']} ({r['backend']})" for r in runs]
    for skill in runs[0]["skills"]:
        keys = list(runs[0]["skills"][skill])
        width = max(len(k) for k in keys) + 2
        print(f"{skill:<{width}}" + "".join(f"{h:>28}" for h in heads))
        for key in keys:
            cells = [_cell(r["skills"][skill].get(key)) for r in runs]
            print(f"  {key:<{width - 2}}" + "".join(f"{c:>28}" for c in cells))
        print()


def _cell(value: Any) -> str:
    """One value as the table shows it (null as a dash)."""
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return "-" if value is None else str(value)


# (heading, key) of the flywheel's table, one row per round.
FLYWHEEL_COLUMNS = (
    ("round", "round"),
    ("good", "good_rate"),
    ("train", "train_good_rate"),
    ("3-grams", "distinct_3grams"),
    ("outputs", "distinct_outputs"),
    ("copied", "copied_liked"),
    ("rejected", "rule_rejections"),
    ("liked", "liked"),
    ("disliked", "disliked"),
    ("s", "seconds"),
)


def cmd_bench_flywheel(args: argparse.Namespace) -> int:
    """Rate a skill's outputs for some rounds and print whether it got better."""
    from assistant.app import build_llm
    from assistant.bench.flywheel import run_bench
    from assistant.config import config_path, load_config
    from assistant.paths import load_paths

    if args.rounds < 0 or args.limit < 1:
        print("bench flywheel: --rounds must be 0 or more and --limit 1 or more", file=sys.stderr)
        return 2
    config = load_config(config_path(args.config))
    result = run_bench(
        config,
        load_paths().cache,
        lambda state: build_llm(config, state),
        rounds=args.rounds,
        limit=args.limit,
        shipped=args.shipped_bank,
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['skill']} on {result['model']}, {result['bank']} bank at the start: "
          f"{result['train']} rated (train), "
          f"{result['heldout']} held-out headlines, {result['seconds']} s")  # fmt: skip
    print(" ".join(f"{head:>8}" for head, _ in FLYWHEEL_COLUMNS))
    for row in result["rounds"]:
        print(" ".join(f"{row[key]!s:>8}" for _, key in FLYWHEEL_COLUMNS))
    print(f"rise {result['rise']:+}, never below round 0: {result['never_below_round0']}")
    return 0


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    group = commands.group("eval", "measure quality on a data set")
    p = group.add("skills", cmd_eval_skills, "run the skills' eval sets and judge what they say")
    p.add_argument("--skill", action="append", metavar="NAME", help="only this skill (repeatable)")
    other = p.add_mutually_exclusive_group()
    other.add_argument("--model", metavar="M", help="also run a second local model, side by side")
    other.add_argument(
        "--backend",
        choices=("remote",),
        help="also run the [llm] remote server's model, side by side",
    )
    p.add_argument("--limit", type=int, metavar="N", help="only the first N items of each set")
    p.add_argument("--json", action="store_true")
    p = commands.group("bench", "benchmarks").add(
        "flywheel", cmd_bench_flywheel, "rate a skill's outputs for some rounds: does it improve?"
    )
    p.add_argument("--rounds", type=int, default=2, metavar="K", help="rounds of ratings")
    p.add_argument(
        "--limit", type=int, default=8, metavar="N", help="N rated and N held-out inputs"
    )
    p.add_argument(
        "--shipped-bank", action="store_true", help="start from the shipped bank, not an empty one"
    )
    p.add_argument("--json", action="store_true")
