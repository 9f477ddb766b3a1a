"""The `assistant` subcommands of what was said: last, repeat, source, feedback.

Each asks the running daemon, or, when none runs, answers the same request here from the
journal and the ratings in the state dir (speaking with a speaker of its own).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assistant.cli.table import Commands

if TYPE_CHECKING:
    from assistant.feedback.recall import Recall
    from assistant.runtime import App

# Speaking through the daemon may wait behind a briefing.
TIMEOUT_S = 300.0
SHOWN_CHARS = 72


def answer(args: argparse.Namespace, request: dict[str, Any]) -> dict[str, Any]:
    """The running daemon's answer to `request`, else the same answer made in this process."""
    from assistant.service.client import send_request
    from assistant.service.errors import DaemonUnavailableError
    from assistant.service.paths import find_socket

    path = find_socket()
    if path is not None:
        try:
            return send_request(path, request, timeout=TIMEOUT_S)
        except DaemonUnavailableError:
            pass  # a socket left behind by a daemon that died: answer here
    return standalone(args, request)


def standalone(args: argparse.Namespace, request: dict[str, Any]) -> dict[str, Any]:
    """Answer an utterance command without a daemon: the app's journal, speaker and hook."""
    from assistant.app import build_app, quiet_text
    from assistant.config import config_path
    from assistant.service.api import answer_recall
    from assistant.service.errors import ControlError

    app = build_app(config_path(args.config), text_out=quiet_text())
    recall = build_recall(app)
    try:
        return answer_recall(recall, request)
    except ControlError as exc:
        return {"ok": False, "error": str(exc)}
    finally:
        recall.store.close()
        app.close()


def build_recall(app: App) -> Recall:
    """The utterance commands over `app`'s journal and ratings, speaking with its speaker."""
    from assistant.app import build_feedback_hook
    from assistant.feedback.recall import Recall
    from assistant.feedback.store import FILE, FeedbackStore

    def say(text: str, skill: str) -> None:
        app.speaker.say(text, skill=skill)

    store = FeedbackStore(app.state_dir / FILE)
    return Recall(app.journal, store, say, build_feedback_hook(app), tz=app.clock.tz)


def _run(
    args: argparse.Namespace, request: dict[str, Any], show: Callable[[dict[str, Any]], None]
) -> int:
    """Send `request`, then `show` the answer; a refusal is one line on stderr, exit 1."""
    got = answer(args, request)
    if not got.get("ok"):
        print(f"assistant: {got.get('error', 'refused')}", file=sys.stderr)
        return 1
    show(got)
    return 0


def cmd_last(args: argparse.Namespace) -> int:
    """List the last N utterances, newest first."""

    def show(got: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(got["utterances"], ensure_ascii=False, indent=2))
            return
        for u in got["utterances"]:
            print(f"{u['id']}  {_when(u['time'])}  {u['skill']:<12} {_short(u['text'])}")

    return _run(args, {"command": "last", "n": args.n}, show)


def cmd_repeat(args: argparse.Namespace) -> int:
    """Say an utterance again."""
    return _run(args, _with_id({"command": "repeat"}, args), _said)


def cmd_source(args: argparse.Namespace) -> int:
    """Say and print where an utterance came from."""

    def show(got: dict[str, Any]) -> None:
        _said(got)
        for s in got["sources"]:
            print(f"  {_where(s)}")

    return _run(args, _with_id({"command": "source"}, args), show)


def cmd_feedback(args: argparse.Namespace) -> int:
    """Rate an utterance good or bad."""
    request = _with_id({"command": "feedback", "verdict": args.verdict}, args)
    if args.note:
        request["note"] = args.note
    return _run(args, request, lambda got: print(f"{got['id']}: rated {got['verdict']}"))


def cmd_feedback_export(args: argparse.Namespace) -> int:
    """Print every rating as JSON lines, oldest first."""
    from assistant.feedback.store import FILE, FeedbackStore
    from assistant.paths import state_dir

    store = FeedbackStore(state_dir() / FILE)
    try:
        for row in store.export():
            print(json.dumps(row, ensure_ascii=False))
    finally:
        store.close()
    return 0


def _with_id(request: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    return request | {"id": args.id} if args.id else request


def _said(got: dict[str, Any]) -> None:
    from assistant.text import escape_controls

    print(f"{got['id']}: {escape_controls(got['text'])}")


def _where(source: dict[str, str]) -> str:
    """A source on one line: "garden.md, Tomatoes" or "the BBC: Title https://..."."""
    from assistant.text import escape_controls

    if source["path"]:
        parts = [source["path"], source["heading"]]
    else:
        named = f"{source['feed']}: {source['title']}" if source["feed"] else source["title"]
        parts = [named, source["link"]]
    return escape_controls(", ".join(p for p in parts if p))


def _when(moment: str) -> str:
    """An ISO time as "2026-11-30 07:31"."""
    try:
        return datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return moment


def _short(text: str) -> str:
    """One line of at most SHOWN_CHARS characters, control characters escaped."""
    from assistant.text import escape_controls

    line = escape_controls(" ".join(text.split()))
    return line if len(line) <= SHOWN_CHARS else line[: SHOWN_CHARS - 1] + "…"


def _count(text: str) -> int:
    """An argparse type: how many utterances, 1 to 500."""
    from assistant.service.api import MAX_LAST

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_LAST:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LAST}, got {value}")
    return value


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    p = commands.add("last", cmd_last, "list what was said lately, newest first, with ids")
    p.add_argument("n", nargs="?", type=_count, default=10, help="how many (default 10)")
    p.add_argument("--json", action="store_true")
    p = commands.add("repeat", cmd_repeat, "say something again (default: the last utterance)")
    p.add_argument("id", nargs="?", help="an utterance id from `assistant last`")
    p = commands.add("source", cmd_source, "say and print where an utterance came from")
    p.add_argument("id", nargs="?", help="an utterance id (default: the last utterance)")
    group = commands.group("feedback", "rate what was said; export the ratings")
    for verdict in ("good", "bad"):
        p = group.add(verdict, cmd_feedback, f"rate an utterance {verdict}")
        p.add_argument("id", nargs="?", help="an utterance id (default: the last utterance)")
        p.add_argument("--note", help="why, in a few words (kept with the rating)")
        p.set_defaults(verdict=verdict)
    group.add("export", cmd_feedback_export, "print every rating as JSON lines")
