"""Where the control socket lives: the runtime dir systemd gives us, or a private fallback."""

from __future__ import annotations

import os
from pathlib import Path

from assistant.paths import runtime_dir

RUNTIME_ENV = "ASSISTANT_RUNTIME_DIR"
SOCKET_NAME = "control.sock"
SYSTEM_RUNTIME_DIR = Path("/run/assistant")
# sun_path holds 108 bytes including the terminating NUL.
MAX_SOCKET_PATH = 107


def socket_path() -> Path:
    """The control socket the daemon listens on."""
    return runtime_dir() / SOCKET_NAME


def socket_candidates() -> list[Path]:
    """Where a client looks for a daemon, in order: our own runtime dir, then the system's."""
    if os.environ.get(RUNTIME_ENV):
        return [socket_path()]
    found = [socket_path()]
    # `sudo assistant status` has no RUNTIME_DIRECTORY: look where the system unit listens.
    system = SYSTEM_RUNTIME_DIR / SOCKET_NAME
    if system not in found:
        found.append(system)
    return found


def find_socket() -> Path | None:
    """The first candidate socket that exists, or None when no daemon seems to run."""
    return next((p for p in socket_candidates() if p.is_socket()), None)
