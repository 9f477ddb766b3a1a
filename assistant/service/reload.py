"""Reload: build a new app from the config file, reusing the parts whose settings did not change."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable

from assistant.app import App, build_app
from assistant.config import load_config

log = logging.getLogger(__name__)


def rebuild_app(old: App) -> App:
    """Re-read `old`'s config file and build a new app; raise ConfigError when it is bad.

    The model and the speaker are kept when their sections did not change, so that a reload
    neither reloads the model nor cuts speech. Newly installed skill plugins are found.
    """
    importlib.invalidate_caches()
    config = load_config(old.config_path)
    llm = old.llm if config.llm == old.config.llm else None
    speaker = old.speaker if config.speech == old.config.speech else None
    return build_app(old.config_path, llm=llm, speaker=speaker)


def retire_parts(apps: Iterable[App], keep: App) -> None:
    """Close the model, speaker, HTTP client and store of `apps`, except the parts `keep` owns."""
    kept = {id(keep.llm), id(keep.http), id(keep.speaker), id(keep.store)}
    closed: set[int] = set()
    for app in apps:
        for part in (app.llm, app.http, app.speaker, app.store):
            if id(part) in kept or id(part) in closed:
                continue
            closed.add(id(part))
            close = getattr(part, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # one part failing to close must not stop the others
                    log.exception("closing %r failed", part)
