"""Shared fixtures: every test gets its own state dir, never the user's (nor their cache)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from assistant.service.daemon import Daemon


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir for the session: the ONNX export of MiniLM is made once, not per test."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path
) -> Iterator[Path]:
    """Point ASSISTANT_STATE_DIR at a fresh folder (and the cache dir at the shared one)."""
    state = tmp_path / "state"
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(state))
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(shared_cache))
    # Tests decide themselves whether the clock is synchronised (this machine may not say).
    monkeypatch.setenv("ASSISTANT_CLOCK_SYNC", "yes")
    # A short path of its own: a Unix socket path is capped at 107 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="as-"))
    monkeypatch.setenv("ASSISTANT_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    yield state
    shutil.rmtree(runtime, ignore_errors=True)


def write_config(path: Path, text: str) -> Path:
    """Write a TOML config file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


class Times:
    """Monotonic and wall time moved by the test (`mono` by hand, wall by `offset`)."""

    def __init__(self, mono: float = 100.0) -> None:
        self.mono = mono
        self.offset = 0.0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def started() -> Iterator[list[Daemon]]:
    """Daemons a test started; stopped afterwards whatever happens."""
    daemons: list[Daemon] = []
    yield daemons
    for daemon in daemons:
        if not daemon.stopping.is_set():
            daemon.stop()


def wait_for(predicate: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
