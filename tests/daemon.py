"""The real daemon in tests: `assistant run` in a subprocess with this test's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# A daemon that greets with the clock and writes what it says to WAV files in the state dir.
GREETS_WITH_CLOCK = """
[assistant]
greeting = "clock"
timezone = "UTC"
[speech]
sink = "wav"
"""


def environment(**extra: str) -> dict[str, str]:
    """This test's environment (state and runtime dirs from conftest) plus `extra`."""
    env = os.environ.copy()
    env.update(extra)
    return env


def start_daemon(
    config: Path, env: dict[str, str] | None = None, prelude: str = ""
) -> subprocess.Popen[str]:
    """`assistant run` in a subprocess; `prelude` is Python run first (to inject a fault)."""
    code = (
        f"import sys\n{textwrap.dedent(prelude)}\nfrom assistant.cli import main\nsys.exit(main())"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment() if env is None else env,
    )


def stop_daemon(proc: subprocess.Popen[str], timeout: float = 10) -> tuple[int, str]:
    """SIGTERM the daemon; return its exit code and what it logged."""
    if proc.poll() is None:
        proc.terminate()
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    return proc.returncode, err
