"""Shared fixtures: every test gets its own state dir, never the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point ASSISTANT_STATE_DIR at a fresh folder."""
    state = tmp_path / "state"
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(state))
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    yield state


def write_config(path: Path, text: str) -> Path:
    """Write a TOML config file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path
