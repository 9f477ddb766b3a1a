"""The core subcommands: run, check-config, skills, schedule, run-skill, say."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from assistant.app import build_app, load_checked, load_plan, quiet_text
from assistant.cli.table import Commands
from assistant.clock import FixedClock, format_moment, load_timezone
from assistant.config import config_path, load_config
from assistant.errors import ConfigError
from assistant.runtime import App
from assistant.skill import Skill


def _app(args: argparse.Namespace, *, text_out: Any = None) -> App:
    return build_app(config_path(args.config), text_out=text_out)


def cmd_run(args: argparse.Namespace) -> int:
    """Start the daemon in the foreground."""
    from assistant.app import rebuild_app
    from assistant.service.daemon import run_daemon

    app = _app(args)
    if not args.verbose:
        logging.getLogger().setLevel(app.config.assistant.log_level)
    try:
        return run_daemon(app, rebuild_app)
    finally:
        app.close()


def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate a config file and the skill sections in it."""
    path = Path(args.path) if args.path else config_path(args.config)
    try:
        _config, _registry, plan = load_checked(path)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    where = str(path) if path else "built-in defaults"
    enabled = [s.name for s in plan.skills if s.enabled]
    print(f"{where}: ok ({len(enabled)} skills enabled: {', '.join(enabled) or 'none'})")
    return 0


def cmd_skills_list(args: argparse.Namespace) -> int:
    """List installed skills, enabled or not, and plugins that failed to load."""
    config = load_config(config_path(args.config))
    registry, plan = load_plan(config)
    rows: list[dict[str, Any]] = [
        {
            "name": s.name,
            "description": s.cls.summary(),
            "schedule": s.schedule,
            "enabled": s.enabled,
            "source": f"{s.cls.__module__}:{s.cls.__qualname__}",
            "options": skill_options(s.cls),
        }
        for s in plan.skills
    ]
    rows += [
        {"name": p.name, "description": "", "schedule": None, "enabled": False, "error": p.problem}
        for p in registry.problems
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        state = "error" if "error" in row else "on" if row["enabled"] else "off"
        detail = row.get("error") or row["description"]
        print(f"{row['name']:<16} {state:<5} {row['schedule'] or '-':<16} {detail}")
        options = row.get("options") or {}
        if options:
            keys = ", ".join(
                f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in options.items()
            )
            print(f"{'':<16} keys: {keys}")
    return 0


def skill_options(cls: type[Skill]) -> dict[str, Any]:
    """A skill's own `[skills.<name>]` keys with their defaults ("<required>" when none)."""
    options: dict[str, Any] = {}
    for key, info in cls.Config.model_fields.items():
        if info.is_required():
            options[key] = "<required>"
        else:
            options[key] = to_jsonable_python(info.get_default(call_default_factory=True))
    return options


def cmd_schedule(args: argparse.Namespace) -> int:
    """List the runs of the next 24 hours."""
    from assistant.scheduler import upcoming

    config = load_config(config_path(args.config))
    _registry, plan = load_plan(config)
    tz = load_timezone(config.assistant.timezone)
    runs = upcoming(plan, tz, datetime.now(tz))
    if args.json:
        print(json.dumps([{"time": t.isoformat(), "skill": n} for t, n in runs], indent=2))
        return 0
    for moment, name in runs:
        print(f"{format_moment(moment)}  {name}")
    if not runs:
        print("no runs in the next 24 hours")
    return 0


def cmd_run_skill(args: argparse.Namespace) -> int:
    """Run one skill once, now (or at a fixed --at time)."""
    app = _app(args, text_out=quiet_text())
    try:
        clock = None
        if args.at:
            try:
                moment = datetime.fromisoformat(args.at)
            except ValueError:
                print(f"--at: not an ISO 8601 time: {args.at!r}", file=sys.stderr)
                return 2
            clock = FixedClock(moment, app.clock.tz)
        result = app.runner().run(args.name, speak=not args.no_speak, clock=clock)
    finally:
        app.close()
    reply = result.reply
    if args.json:
        out: dict[str, Any] = {
            "skill": args.name,
            "text": reply.text if reply else "",
            "sources": reply.sources if reply else [],
            "tainted": reply.tainted if reply else False,
            "model": app.llm.name,
            "timings": result.timings,
        }
        if reply:
            out.update({k: v for k, v in reply.data.items() if k not in out})
        if not result.ok:
            out["error"] = result.error
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif reply:
        print(reply.text)
    if not result.ok:
        print(f"{args.name}: {result.outcome}: {result.error}", file=sys.stderr)
        return 1
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    """Speak a text now (through the running daemon when there is one), or write a WAV file."""
    from assistant.app import build_speaker
    from assistant.paths import state_dir
    from assistant.service.client import say_via_daemon

    config = load_config(config_path(args.config))
    if not args.wav:
        # One speaker per room: while the daemon runs, it speaks (and keeps quiet hours).
        answer = say_via_daemon(args.text)
        if answer is not None:
            if not answer.get("ok"):
                print(
                    f"assistant: the daemon could not speak: {answer.get('error')}", file=sys.stderr
                )
                return 1
            where = f" -> {answer['wav']}" if answer.get("wav") else ""
            print(f"said by the daemon ({answer['sink']}{where}): {answer['text']}")
            return 0
    speaker = build_speaker(config, state_dir(), quiet_text())
    try:
        spoken = speaker.say(args.text, wav=Path(args.wav) if args.wav else None)
    finally:
        speaker.close()
    where = f" -> {spoken.wav}" if spoken.wav else ""
    print(f"said ({spoken.sink}{where}): {spoken.text}")
    return 0


def register(commands: Commands) -> None:
    """Add the core subcommands."""
    commands.add("run", cmd_run, "run the daemon in the foreground")
    p = commands.add("check-config", cmd_check_config, "validate a config file")
    p.add_argument("path", nargs="?", help="config file (default: the one in use)")
    p = commands.group("skills", "installed skills").add("list", cmd_skills_list, "list skills")
    p.add_argument("--json", action="store_true")
    p = commands.add("schedule", cmd_schedule, "list the runs of the next 24 hours")
    p.add_argument("--json", action="store_true")
    p = commands.add("run-skill", cmd_run_skill, "run one skill once")
    p.add_argument("name")
    p.add_argument("--at", help="fix the clock at this ISO 8601 time")
    p.add_argument("--no-speak", action="store_true", help="print only, do not speak")
    p.add_argument("--json", action="store_true")
    p = commands.add("say", cmd_say, "speak a text (or write it to a WAV file)")
    p.add_argument("text")
    p.add_argument("--wav", help="write a WAV file here instead of playing")
