"""The control protocol: which requests the daemon answers and how each is checked."""

from __future__ import annotations

from typing import Any, Protocol

from assistant.feedback.recall import Recall
from assistant.feedback.store import VERDICTS, FeedbackError
from assistant.service.control import Handler, Request, Response
from assistant.service.errors import ControlError

MAX_SAY_CHARS = 4000
MAX_NOTE_CHARS = 2000
MAX_ID_CHARS = 32
MAX_LAST = 500
DEFAULT_LAST = 10
RECALL_COMMANDS = ("last", "repeat", "source", "feedback")
COMMANDS = ("status", "trigger", "say", "reload", *RECALL_COMMANDS)


class Controllable(Protocol):
    """What the control socket may ask of the running daemon."""

    def status(self) -> Response:
        """Uptime, clock state, next runs and the last run of each skill."""

    def trigger(self, skill: str, wait: bool) -> Response:
        """Run `skill` now (and wait for its outcome when `wait`)."""

    def say(self, text: str) -> Response:
        """Speak `text` now."""

    def reload(self) -> Response:
        """Re-read the config and rebuild the schedule; keep the old one when it is bad."""

    @property
    def recall(self) -> Recall:
        """The journal's utterances: `last`, `repeat`, `source` and `feedback`."""


def build_handler(daemon: Controllable) -> Handler:
    """A request handler for the control server that calls into `daemon`."""

    def handle(request: Request) -> Response:
        command = request["command"]
        if command == "status":
            return daemon.status()
        if command == "trigger":
            skill = _text(request, "skill", 200)
            wait = request.get("wait", False)
            if not isinstance(wait, bool):
                raise ControlError('"wait" must be true or false')
            return daemon.trigger(skill, wait)
        if command == "say":
            return daemon.say(_text(request, "text", MAX_SAY_CHARS))
        if command == "reload":
            return daemon.reload()
        if command in RECALL_COMMANDS:
            return answer_recall(daemon.recall, request)
        raise ControlError(f"unknown command {command!r}; known: {', '.join(COMMANDS)}")

    return handle


def answer_recall(recall: Recall, request: Request) -> Response:
    """Answer an utterance command: `last {n}`, `repeat {id}`, `source {id}`, `feedback
    {verdict, id, note}` (`id` defaults to the last utterance); the daemon does, and the CLI
    itself when no daemon runs. Raise ControlError naming what is wrong."""
    try:
        return _recall(recall, request["command"], request)
    except FeedbackError as exc:
        raise ControlError(str(exc)) from None


def _recall(recall: Recall, command: str, request: Request) -> Response:
    """The utterance commands, their fields checked."""
    if command == "last":
        n = request.get("n", DEFAULT_LAST)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_LAST:
            raise ControlError(f'"n" must be a whole number from 1 to {MAX_LAST}')
        return recall.last(n)
    uid = _text(request, "id", MAX_ID_CHARS) if request.get("id") is not None else None
    if command == "repeat":
        return recall.repeat(uid)
    if command == "source":
        return recall.source(uid)
    verdict = request.get("verdict")
    if verdict not in VERDICTS:
        raise ControlError('"verdict" must be "good" or "bad"')
    note = _text(request, "note", MAX_NOTE_CHARS) if request.get("note") else ""
    return recall.feedback(verdict, uid, note)


def _text(request: Request, key: str, limit: int) -> str:
    """A required, non-empty string field of at most `limit` characters."""
    value: Any = request.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ControlError(f'"{key}" must be a non-empty string')
    if len(value) > limit:
        raise ControlError(f'"{key}" is too long: {len(value)} characters, at most {limit}')
    return value
