"""The real daemon in a subprocess: it greets, keeps running, and stops cleanly on a signal."""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.service.client import send_request
from assistant.service.errors import ServiceError
from tests.conftest import wait_for
from tests.daemon import GREETS_WITH_CLOCK, start_daemon
from tests.integration.helpers import BIN

pytestmark = pytest.mark.slow

CONFIG = (
    GREETS_WITH_CLOCK
    + """
[skills.clock]
schedule = "0 8 * * *"
"""
)


@pytest.fixture(autouse=True)
def service_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A synchronised clock (so the greeting tells the time) and a short runtime dir."""
    monkeypatch.setenv("ASSISTANT_CLOCK_SYNC", "yes")
    with tempfile.TemporaryDirectory(prefix="as-") as run:
        monkeypatch.setenv("ASSISTANT_RUNTIME_DIR", run)
        yield Path(run)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_greets_then_stops_cleanly(tmp_path: Path, state_dir: Path, signum: int) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text(CONFIG)
    proc = start_daemon(cfg)
    try:
        journal = state_dir / "journal.jsonl"
        # Generous: on 2 shared cores under load one model run can take most of a minute.
        assert wait_for(journal.exists, 180), "no greeting within 180 s"
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
    assert "apscheduler" not in err  # its own bookkeeping (Adding job tentatively...) stays quiet
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
        f"{cfg}: skills.clock.schedule: bad cron string 'every morning': want 5 fields, got 2"
    ]
    assert not state_dir.exists()


def test_sigterm_while_speaking_ends_within_5_s(
    tmp_path: Path, state_dir: Path, service_env: Path
) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text('[assistant]\ngreeting = ""\n[speech]\nsink = "wav"\n')
    proc = start_daemon(cfg)
    sock = service_env / "control.sock"
    answers: list[Any] = []
    text = " ".join(f"This is sentence number {i} of a long announcement." for i in range(60))

    def say() -> None:
        try:
            answers.append(send_request(sock, {"command": "say", "text": text}, timeout=30))
        except ServiceError as exc:  # the daemon may go before it answers
            answers.append(exc)

    try:
        assert wait_for(sock.exists, 60), "no control socket"
        speaker = threading.Thread(target=say)
        speaker.start()
        assert wait_for(lambda: any((state_dir / "speech").glob("*")), 20) or answers
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=10)
        assert time.monotonic() - t0 < 5
        assert proc.returncode == 0, err
        speaker.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert answers, "the say request never returned"
