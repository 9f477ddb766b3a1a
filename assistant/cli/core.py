"""The core subcommands: run, check-config, skills, schedule, run-skill, say."""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from assistant.app import build_app, load_checked, load_plan, quiet_text
from assistant.cli.table import Commands
from assistant.clock import FixedClock, format_moment, load_timezone
from assistant.config import config_path, load_config
from assistant.errors import ConfigError
from assistant.files import check_target, publish
from assistant.runtime import App
from assistant.skill import Skill
from assistant.text import escape_controls

AT_YEARS = (1971, 9000)


def _app(args: argparse.Namespace, *, text_out: Any = None) -> App:
    return build_app(config_path(args.config), text_out=text_out)


def cmd_run(args: argparse.Namespace) -> int:
    """Start the daemon in the foreground."""
    from assistant.app import build_feedback_hook, build_mqtt, build_web, rebuild_app
    from assistant.service.foreground import run_daemon
    from assistant.service.lock import daemon_lock

    app = _app(args)  # a bad config is reported before anything, the lock too, is written
    if not args.verbose:
        logging.getLogger().setLevel(app.config.assistant.log_level)
    try:
        with daemon_lock(app.state_dir):  # a second daemon stops here, having started nothing
            return run_daemon(
                app,
                rebuild_app,
                on_feedback=build_feedback_hook(app),
                surfaces=(build_mqtt, build_web),
            )
    finally:
        app.close()


def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate a config file and the skill sections in it."""
    path = Path(args.path) if args.path else config_path(args.config)
    try:
        config, _registry, plan = load_checked(path)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    where = str(path) if path else "built-in defaults"
    from assistant.scheduler import silent_schedules

    tz = load_timezone(config.assistant.timezone)
    for line in silent_schedules(plan, tz, datetime.now(tz)):
        print(f"{where}: warning: {line}", file=sys.stderr)  # a warning: exit 0 still
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
    from assistant.cli.progress import Spinner, watch_app

    app = _app(args, text_out=quiet_text())
    spinner = Spinner(sys.stderr, enabled=not args.json)
    try:
        clock = None
        if args.at:
            try:
                clock = _fixed_clock(args.at, app.clock.tz)
            except ValueError as exc:
                print(f"--at: {exc}", file=sys.stderr)
                return 2
        watch_app(app, spinner)
        spinner.step(f"{args.name}: starting")
        with spinner:
            result = app.runner().run(args.name, speak=not args.no_speak, clock=clock)
    finally:
        app.close()
    reply = result.reply
    if args.json:
        out: dict[str, Any] = {
            "skill": args.name,
            "id": result.id,
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


def _fixed_clock(at: str, tz: Any) -> FixedClock:
    """The clock of `--at`; ValueError (one line) when it is not a time skills can use."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {at!r}") from None
    # Skills add days and hours to now(): keep well inside datetime's years 1-9999.
    if not AT_YEARS[0] <= moment.year <= AT_YEARS[1]:
        raise ValueError(f"out of range: {at!r} (years {AT_YEARS[0]}-{AT_YEARS[1]})")
    try:
        return FixedClock(moment, tz)
    except (OverflowError, ValueError):
        raise ValueError(f"out of range: {at!r}") from None


def cmd_say(args: argparse.Namespace) -> int:
    """Speak a text now (through the running daemon when there is one), or write a WAV file."""
    from assistant.app import build_speaker
    from assistant.paths import load_paths
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
            said = escape_controls(str(answer["text"]))
            print(f"said by the daemon ({answer['sink']}{where}): {said}")
            return 0
    target = Path(args.wav) if args.wav else None
    if target is not None:
        check_target(target, force=args.force)  # before any speech: one line, nothing written
    speaker = build_speaker(config, load_paths().state, quiet_text())
    try:
        spoken = speaker.say(args.text, wav=_staging(target) if args.force else target)
    finally:
        speaker.close()
    if target is not None and spoken.wav is not None and spoken.wav != target:
        publish(spoken.wav, target, force=True)
        spoken = replace(spoken, wav=target)
    where = f" -> {spoken.wav}" if spoken.wav else ""
    print(f"said ({spoken.sink}{where}): {escape_controls(spoken.text)}")
    return 0


def _staging(target: Path | None) -> Path | None:
    """A fresh name beside `target`: the speaker never overwrites, so --force renames after."""
    if target is None:
        return None
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.new")


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
    p.add_argument("--wav", help="write a new WAV file here instead of playing")
    p.add_argument("--force", action="store_true", help="replace an existing regular --wav file")
