"""`run-skill` on a real terminal (a pty as stderr) shows its steps; piped, it shows nothing."""

from __future__ import annotations

import os
import pty
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.integration.helpers import BIN, assistant

pytestmark = pytest.mark.slow
# One model answer, and room for a loaded machine.
CONFIG = "[llm]\ncontext = 512\n[skills.clock]\nretries = 1\ntimeout_s = 600\n"


def drain(leader: int, into: bytearray) -> None:
    """Read the terminal's output until its writing end closes (EIO or end of file)."""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            return
        if not chunk:
            return
        into += chunk


def test_run_skill_shows_its_steps_on_a_terminal(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "a.toml", CONFIG)
    leader, follower = pty.openpty()
    shown = bytearray()
    # Read while it runs: a pty holds only so much, and a spinner that cannot write would
    # block the command's exit on a slow machine.
    reader = threading.Thread(target=drain, args=[leader, shown], daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [str(BIN), "--config", str(cfg), "run-skill", "clock", "--no-speak"],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=600,
            env=os.environ.copy(),
            check=False,
        )
        os.close(follower)
        reader.join(10)
    finally:
        os.close(leader)
    assert done.returncode == 0 and done.stdout.strip()
    text = bytes(shown).decode(errors="replace")
    assert "generating 1/2" in text, text  # the clock's first candidate of at most two
    assert "\x1b[K" in text


def test_run_skill_piped_prints_no_progress(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "a.toml", CONFIG)
    done = assistant("--config", str(cfg), "run-skill", "clock", "--no-speak")
    assert done.stdout.strip() and "generating" not in done.stderr
