"""Where the daemon keeps its files: state, cache and runtime dirs, read once."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path


def env_dir(own: str, systemd: str, fallback: Path, xdg: str | None = None) -> Path:
    """The first set of: $own, $systemd (its first entry), $xdg/assistant; else `fallback`."""
    explicit = os.environ.get(own)
    if explicit:
        return Path(explicit).expanduser()
    given = os.environ.get(systemd)
    if given:
        # systemd may pass several colon-separated directories; the first is ours.
        return Path(given.split(":")[0])
    base = os.environ.get(xdg) if xdg else None
    return Path(base) / "assistant" if base else fallback


def state_dir() -> Path:
    """Return the state dir: $ASSISTANT_STATE_DIR, $STATE_DIRECTORY, ~/.local/state/assistant."""
    fallback = Path.home() / ".local" / "state" / "assistant"
    return env_dir("ASSISTANT_STATE_DIR", "STATE_DIRECTORY", fallback)


def cache_dir() -> Path:
    """Return the cache dir (files rebuilt when lost): $ASSISTANT_CACHE_DIR, $CACHE_DIRECTORY,
    $XDG_CACHE_HOME/assistant, ~/.cache/assistant."""
    fallback = Path.home() / ".cache" / "assistant"
    return env_dir("ASSISTANT_CACHE_DIR", "CACHE_DIRECTORY", fallback, "XDG_CACHE_HOME")


def runtime_dir() -> Path:
    """The daemon's runtime dir: $ASSISTANT_RUNTIME_DIR, $RUNTIME_DIRECTORY, XDG, state dir."""
    return env_dir(
        "ASSISTANT_RUNTIME_DIR", "RUNTIME_DIRECTORY", state_dir() / "run", "XDG_RUNTIME_DIR"
    )


@dataclass(frozen=True)
class Paths:
    """The three dirs, decided once by whoever builds the app and passed down from there."""

    state: Path
    cache: Path
    runtime: Path


def make_private(folder: Path) -> None:
    """Create `folder` mode 0700 when missing (journal, notes index and WAVs are private).

    A folder that cannot be made is left to the first write to report, with its own context.
    """
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def load_paths() -> Paths:
    """The dirs this process uses, from the environment; the state dir is made 0700."""
    paths = Paths(state=state_dir(), cache=cache_dir(), runtime=runtime_dir())
    make_private(paths.state)
    return paths
