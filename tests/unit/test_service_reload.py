"""Reload: a new app from the config file, reusing unchanged parts; old parts closed once."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.app import build_app, rebuild_app
from assistant.errors import ConfigError
from assistant.runtime import App
from assistant.service.reload import retire_parts

CONFIG = """
[assistant]
greeting = ""
[speech]
sink = "{sink}"
[skills.clock]
schedule = "{cron}"
"""


def close_all(*apps: App) -> None:
    """Close what each app built, speakers included."""
    nothing: Any = SimpleNamespace(llm=None, http=None, speaker=None, store=None, engines={})
    retire_parts(apps, keep=nothing)


def write(path: Path, sink: str = "text", cron: str = "0 8 * * *") -> Path:
    path.write_text(CONFIG.format(sink=sink, cron=cron))
    return path


def test_unchanged_sections_keep_their_parts(tmp_path: Path) -> None:
    cfg = write(tmp_path / "a.toml")
    old = build_app(cfg)
    try:
        write(cfg, cron="30 9 * * *")
        new = rebuild_app(old)
        assert new.llm is old.llm and new.speaker is old.speaker
        assert new.plan.get("clock") is not None
        assert new.plan.get("clock").schedule == "30 9 * * *"  # type: ignore[union-attr]
        write(cfg, sink="wav")
        newer = rebuild_app(new)
        assert newer.llm is old.llm and newer.speaker is not old.speaker
        close_all(newer)
    finally:
        close_all(old)


def test_a_bad_file_raises_and_builds_nothing(tmp_path: Path) -> None:
    cfg = write(tmp_path / "a.toml")
    old = build_app(cfg)
    try:
        write(cfg, cron="at eight")
        with pytest.raises(ConfigError, match="bad cron string 'at eight'"):
            rebuild_app(old)
    finally:
        close_all(old)


class Part:
    """Counts how often it is closed."""

    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_retired_parts_are_closed_once_and_the_originals_never(tmp_path: Path) -> None:
    shared, first_http, second_http, speaker = Part(), Part(), Part(), Part()
    store = Part()
    original: Any = SimpleNamespace(
        llm=shared, http=first_http, speaker=speaker, store=store, engines={}
    )
    reloaded: Any = SimpleNamespace(
        llm=shared, http=second_http, speaker=speaker, store=store, engines={}
    )
    again: Any = SimpleNamespace(
        llm=shared, http=second_http, speaker=speaker, store=store, engines={}
    )
    retire_parts([reloaded, again], keep=original)
    assert (shared.closed, first_http.closed, second_http.closed, speaker.closed) == (0, 0, 1, 0)
