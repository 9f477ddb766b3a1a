"""Reload: retire the parts of old apps that the new one does not reuse."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from assistant.runtime import App

log = logging.getLogger(__name__)


class _Part(Protocol):
    def close(self) -> None:
        """Release what the part holds."""


def retire_parts(apps: Iterable[App], keep: App) -> None:
    """Close the model, speaker, HTTP client and store of `apps`, except the parts `keep` owns."""
    kept = {id(keep.llm), id(keep.http), id(keep.speaker), id(keep.store)}
    kept |= {id(engine) for engine in keep.engines.values()}
    closed: set[int] = set()
    for app in apps:
        engines = tuple(app.engines.values())
        parts: tuple[_Part, ...] = (app.llm, *engines, app.http, app.speaker, app.store)
        for part in parts:
            if id(part) in kept or id(part) in closed:
                continue
            closed.add(id(part))
            try:
                part.close()
            except Exception:  # one part failing to close must not stop the others
                log.exception("closing %r failed", part)
