"""Running the real `assistant` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "assistant"


def assistant(
    *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `assistant ARGS` with this test's environment; return what it printed."""
    done = subprocess.run(
        [str(BIN), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"assistant {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done
