"""The `assistant` subcommands of this area: trigger, status, reload, install-service."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.cli.table import Commands

TRIGGER_WAIT_TIMEOUT_S = 900.0


def _print_json(answer: dict[str, Any]) -> None:
    print(json.dumps(answer, ensure_ascii=False, indent=2))


def _failed(answer: dict[str, Any]) -> int:
    """Report a refused request on stderr; exit code 1."""
    print(f"assistant: {answer.get('error', 'the daemon refused the request')}", file=sys.stderr)
    for line in answer.get("problems") or []:
        print(line, file=sys.stderr)
    return 1


def cmd_trigger(args: argparse.Namespace) -> int:
    """Ask the running daemon to run a skill now."""
    from assistant.cli.progress import Spinner
    from assistant.service.client import request_daemon

    request = {"command": "trigger", "skill": args.skill, "wait": args.wait}
    spinner = Spinner(sys.stderr, enabled=args.wait and not args.json)
    spinner.step(f"{args.skill}: running in the daemon (fetching, generating, speaking)")
    with spinner:
        answer = request_daemon(request, timeout=TRIGGER_WAIT_TIMEOUT_S if args.wait else 30.0)
    if args.json:
        _print_json(answer)
    if not answer["ok"]:
        return 1 if args.json else _failed(answer)
    if not args.json:
        print(answer["text"] if args.wait else f"{args.skill}: started")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show what the running daemon is doing."""
    from assistant.service.client import request_daemon
    from assistant.service.text import status_text

    answer = request_daemon({"command": "status"})
    if args.json:
        _print_json(answer)
    elif answer["ok"]:
        print(status_text(answer))
    return 0 if answer["ok"] else _failed(answer)


def cmd_reload(args: argparse.Namespace) -> int:
    """Ask the running daemon to re-read its config."""
    from assistant.service.client import request_daemon

    answer = request_daemon({"command": "reload"}, timeout=120.0)
    if args.json:
        _print_json(answer)
        return 0 if answer["ok"] else 1
    if not answer["ok"]:
        return _failed(answer)
    skills = answer.get("skills") or []
    print(f"reloaded: {len(skills)} scheduled skills ({', '.join(skills) or 'none'})")
    return 0


def cmd_install_service(args: argparse.Namespace) -> int:
    """Install the systemd unit (and a config when there is none), printing each step."""
    from assistant.service.install import (
        build_target,
        load_unit_template,
        next_steps,
        plan_install,
        render_unit,
    )

    root = Path(args.root)
    config = Path(args.config).expanduser() if args.config else None
    target = build_target(args.user, root, Path.home(), config)
    unit_text = render_unit(load_unit_template(), target)
    running = root == Path("/") and Path("/run/systemd/system").is_dir()
    prefix = "would " if args.dry_run else ""
    for step in plan_install(target, unit_text, systemd_running=running):
        print(f"{prefix}{step.says}", flush=True)
        if not args.dry_run:
            step.action()
    if args.dry_run:
        print(f"--- {target.unit_path} (not written) ---")
        print(unit_text, end="")
    print("then run:" if not args.dry_run else "then you would run:")
    for line in next_steps(target, systemd_running=running and not args.dry_run):
        print(f"  {line}")
    return 0


def cmd_bench_ontime(args: argparse.Namespace) -> int:
    """How late the briefing speaks: started at the scheduled time vs precomputed."""
    from assistant.app import assemble_app, load_plan, quiet_text
    from assistant.bench.ontime import Ahead, run_bench
    from assistant.clock import Clock
    from assistant.config import Config
    from assistant.paths import Paths
    from assistant.runtime import App

    def assemble(config: Config, paths: Paths, clock: Clock) -> App:
        registry, plan = load_plan(config)
        return assemble_app(config, registry, plan, paths, text_out=quiet_text(), clock=clock)

    ahead = Ahead(args.ahead_s, args.late_ahead_s)
    result = run_bench(assemble, runs=args.runs, ahead=ahead, tok_s=args.tok_s)
    if args.json:
        _print_json(result)
        return 0
    for way in ("at_time", "precompute", "late"):
        part = result[way]
        print(f"{way:<11} lateness p50 {part['lateness_ms']:>9.0f} ms  (runs: {part['outcomes']})")
    target = result["target"]
    print(
        f"ratio {result['ratio']:.3f}; target p50 <= {target['precompute_p50_ms']:.0f} ms and "
        f"<= {target['ratio']}x: {'met' if target['met'] else 'NOT met'}"
    )
    late = result["late"]
    print(f"late (prepared {late['ahead_s']} s ahead, too late): ratio {late['ratio']:.3f}")
    return 0


def cmd_bench_web(args: argparse.Namespace) -> int:
    """What the web page costs the daemon in resident memory."""
    from assistant.bench.web import run_bench

    result = run_bench(runs=args.runs)
    if args.json:
        _print_json(result)
        return 0
    for way in ("off", "on", "cost"):
        part = result[way]
        print(
            f"web {way:<4} RSS {part['rss_mb']:>6.1f} MiB  anonymous {part['anon_mb']:>6.1f} MiB"
            f"  file-backed {part['file_mb']:>6.1f} MiB"
        )
    return 0


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    p = commands.add("trigger", cmd_trigger, "run a skill now in the running daemon")
    p.add_argument("skill")
    p.add_argument("--wait", action="store_true", help="wait for the run and print what it said")
    p.add_argument("--json", action="store_true")
    p = commands.add("status", cmd_status, "show the running daemon's schedule and last runs")
    p.add_argument("--json", action="store_true")
    p = commands.add("reload", cmd_reload, "make the running daemon re-read its config")
    p.add_argument("--json", action="store_true")
    p = commands.add("install-service", cmd_install_service, "install the systemd unit")
    p.add_argument("--user", action="store_true", help="a user unit instead of a system one")
    p.add_argument("--dry-run", action="store_true", help="print the steps, change nothing")
    p.add_argument("--root", default="/", help="install below this directory (packaging, tests)")
    p = commands.group("bench", "benchmarks").add(
        "ontime", cmd_bench_ontime, "lateness of a scheduled briefing: at the time vs precomputed"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=3, help="runs each way (median)")
    p.add_argument(
        "--ahead-s", type=float, default=None, help="how early precompute starts (default: learned)"
    )
    p.add_argument(
        "--late-ahead-s",
        type=float,
        default=None,
        help="how early the too-late preparation starts (default: a quarter of the at-time run)",
    )
    p.add_argument("--tok-s", type=float, default=15.0, help="the model's pace (a Pi 4: 15)")
    p = commands.group("bench", "benchmarks").add(
        "web", cmd_bench_web, "the web page's memory cost: the daemon with [web] off and on"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=3, help="daemon starts each way (median)")
