"""Shared pieces of the reliability suite: the summary line, a fake systemd, the daemon."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from tests.daemon import environment, start_daemon, stop_daemon

__all__ = ["BIN", "environment", "plugin_dir", "report", "start_daemon", "stop_daemon"]

BIN = Path(sys.executable).parent / "assistant"


def report(row: str, **figures: object) -> str:
    """Print the one `reliability:` summary line of a test (collected with `pytest -s`)."""
    parts = " ".join(f"{key}={value}" for key, value in figures.items())
    line = f"reliability: {row} {parts}"
    print(f"\n{line}")
    return line


def plugin_dir(root: Path, modules: dict[str, str], entry_points: dict[str, str]) -> Path:
    """A folder for PYTHONPATH holding plugin modules and a dist-info naming their entry points.

    importlib.metadata finds the dist-info on sys.path, so nothing is installed into the venv.
    """
    root.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))
    info = root / "reliability_plugins-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: reliability-plugins\nVersion: 0.1\n"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[assistant.skills]\n{lines}")
    return root
