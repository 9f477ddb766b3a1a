"""Surfaces (MQTT...): started with the daemon's request handler, told of news, stopped with it."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Config
from assistant.service.control import Handler
from assistant.service.daemon import Daemon
from tests.conftest import Times
from tests.unit.test_daemon import make_app, start


class Surface:
    """A surface that counts what the daemon tells it."""

    def __init__(self) -> None:
        self.changes = 0
        self.closed = False

    def changed(self) -> None:
        self.changes += 1

    def close(self) -> None:
        self.closed = True


def test_surfaces_hear_of_runs_and_stop_with_the_daemon(
    tmp_path: Path, started: list[Daemon]
) -> None:
    times = Times()
    surface = Surface()
    handlers: list[Handler] = []

    def build(config: Config, handle: Handler) -> Surface:
        handlers.append(handle)
        return surface

    off = lambda _config, _handle: None  # noqa: E731  (a surface the config turns off)
    daemon = start(started, make_app(tmp_path), times, surfaces=(build, off))
    assert daemon.surfaces.running == [surface]
    # The surface has the control socket's handler, nothing more of the daemon.
    assert handlers[0]({"command": "status"})["ok"]
    daemon.tick()
    seen = surface.changes
    daemon.tick()
    assert surface.changes == seen  # nothing new, nothing said
    daemon.trigger("hello", wait=True)
    daemon.tick()
    assert surface.changes == seen + 1
    assert daemon.stop() == 0 and surface.closed
