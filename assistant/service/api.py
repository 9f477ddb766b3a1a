"""The control protocol: which requests the daemon answers and how each is checked."""

from __future__ import annotations

from typing import Any, Protocol

from assistant.service.control import Handler, Request, Response
from assistant.service.errors import ControlError

MAX_SAY_CHARS = 4000
COMMANDS = ("status", "trigger", "say", "reload")


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
        raise ControlError(f"unknown command {command!r}; known: {', '.join(COMMANDS)}")

    return handle


def _text(request: Request, key: str, limit: int) -> str:
    """A required, non-empty string field of at most `limit` characters."""
    value: Any = request.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ControlError(f'"{key}" must be a non-empty string')
    if len(value) > limit:
        raise ControlError(f'"{key}" is too long: {len(value)} characters, at most {limit}')
    return value
