"""The real daemon in a subprocess: it greets, keeps running, and stops cleanly on a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.helpers import BIN

pytestmark = pytest.mark.slow

CONFIG = """
[assistant]
greeting = "clock"
timezone = "UTC"
[speech]
sink = "wav"
[skills.clock]
schedule = "0 8 * * *"
"""


def wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_greets_then_stops_cleanly(tmp_path: Path, state_dir: Path, signum: int) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text(CONFIG)
    proc = subprocess.Popen(
        [str(BIN), "--config", str(cfg), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        journal = state_dir / "journal.jsonl"
        assert wait_for(journal.exists, 60), "no greeting within 60 s"
        greeting = json.loads(journal.read_text().splitlines()[0])
        assert greeting["skill"] == "clock" and greeting["outcome"] == "ok"
        assert len(list((state_dir / "speech").glob("speech-*.wav"))) == 1, greeting["error"]
        time.sleep(1)
        assert proc.poll() is None, "the daemon stopped by itself"
        t0 = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
        assert time.monotonic() - t0 < 5
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert greeting["text"] in out  # the text sink, beside the WAV file
    assert "scheduled clock: next run 20" in err
    assert "stopped" in err


def test_bad_config_starts_nothing(tmp_path: Path, state_dir: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text("[skills.clock]\nschedule = 'every morning'\n")
    done = subprocess.run(
        [str(BIN), "--config", str(cfg), "run"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "skills.clock.schedule: bad cron string 'every morning': want 5 fields, got 2"
    ]
    assert not state_dir.exists()
