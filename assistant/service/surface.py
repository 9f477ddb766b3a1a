"""Surfaces: clients of the daemon's request handler that the daemon starts and stops (MQTT)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from assistant.config import Config
from assistant.service.control import Handler

log = logging.getLogger(__name__)


class Surface(Protocol):
    """A running client of the request handler."""

    def changed(self) -> None:
        """A run ended or the config was reloaded: look again soon; returns at once."""

    def close(self) -> None:
        """Stop, within about a second."""


# Builds a surface from the config and the request handler; None when the config turns it off.
SurfaceFactory = Callable[[Config, Handler], Surface | None]


class Surfaces:
    """One daemon's surfaces: started with its handler, told of news, stopped with it."""

    def __init__(self, factories: Sequence[SurfaceFactory] = ()) -> None:
        self.factories = factories
        self.running: list[Surface] = []
        self._seen: object = None

    def start(self, config: Config, handle: Handler) -> None:
        """Build each surface the config turns on."""
        for factory in self.factories:
            if (surface := factory(config, handle)) is not None:
                self.running.append(surface)

    def notice(self, state: object) -> None:
        """Tell every surface when `state` (the last runs, the last reload) is new."""
        if state == self._seen:
            return
        self._seen = state
        for surface in self.running:
            surface.changed()

    def close(self) -> None:
        """Stop every surface; one that fails to stop does not keep the daemon up."""
        for surface in self.running:
            try:
                surface.close()
            except Exception:  # stopping must go on whatever a surface does
                log.exception("a surface failed to stop")
