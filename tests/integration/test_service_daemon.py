"""The real daemon as systemd runs it: NOTIFY_SOCKET, watchdog pings, control socket, reload."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.service.client import send_request
from skills.clock import UNSURE
from tests.conftest import wait_for
from tests.daemon import GREETS_WITH_CLOCK, environment, start_daemon
from tests.integration.helpers import Systemd, assistant

pytestmark = pytest.mark.slow

CONFIG = (
    GREETS_WITH_CLOCK
    + """
[service]
sync_wait_s = {wait}
[skills.clock]
schedule = "{schedule}"
use_llm = false
"""
)


@pytest.fixture
def run_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short runtime dir (a Unix socket path holds at most 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="as-") as tmp:
        monkeypatch.setenv("ASSISTANT_RUNTIME_DIR", tmp)
        yield Path(tmp)


def start(cfg: Path, run_dir: Path, synced: bool) -> tuple[subprocess.Popen[str], Systemd]:
    systemd = Systemd(run_dir / "notify")
    env = environment(
        NOTIFY_SOCKET=str(run_dir / "notify"),
        WATCHDOG_USEC="400000",
        ASSISTANT_CLOCK_SYNC="yes" if synced else "no",
    )
    proc = start_daemon(cfg, env)
    return proc, systemd


def stop(proc: subprocess.Popen[str], systemd: Systemd) -> str:
    """SIGTERM: STOPPING=1, exit 0 within 5 s; return what it logged."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    systemd.receive("STOPPING", 5)
    _out, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 5, "SIGTERM took 5 s or more"
    assert proc.returncode == 0, err
    return err


def status() -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(assistant("status", "--json").stdout)
    return answer


def test_the_daemon_under_a_manager(tmp_path: Path, state_dir: Path, run_dir: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text(CONFIG.format(wait=600, schedule="0 8 * * *"))
    proc, systemd = start(cfg, run_dir, synced=True)
    try:
        ready = systemd.receive("READY", 60)
        assert ready["STATUS"].startswith("next: clock at ")
        for _ in range(3):
            systemd.receive("WATCHDOG", 2)  # every 0.2 s: half of WATCHDOG_USEC
        sock = run_dir / "control.sock"
        assert oct(sock.stat().st_mode & 0o777) == "0o600"

        # status and trigger over the control socket, through the CLI.
        assert wait_for(lambda: "clock" in status()["last_runs"], 30), "no greeting"
        now = status()
        assert now["clock"] == {
            "synchronized": True,
            "holding": False,
            "hold_left_s": None,
            "last_jump_s": None,
        }
        assert now["next_runs"][0]["skill"] == "clock"
        assert now["next_runs"][0]["time"].endswith("08:00:00+00:00")
        assert now["last_runs"]["clock"]["outcome"] == "ok" and now["uptime_s"] > 0
        done = json.loads(assistant("trigger", "clock", "--wait", "--json").stdout)
        assert done["ok"] and done["text"].startswith("It is ")
        assert assistant("trigger", "nope", check=False).stderr == (
            "assistant: no skill named 'nope' is installed\n"
        )
        said = send_request(sock, {"command": "say", "text": "The bins go out tonight."})
        assert said["sink"] == "wav" and Path(said["wav"]).stat().st_size > 1000

        # Malformed and oversized requests get an answer, and the daemon goes on.
        for payload, error in [(b"{oops", "malformed request"), (b"x" * 70000, "too large")]:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(10)
                conn.connect(str(sock))
                conn.sendall(payload)
                conn.shutdown(socket.SHUT_WR)
                assert error in json.loads(conn.makefile().readline())["error"]

        # A bad config is refused, by `assistant reload` and by SIGHUP; the old schedule stays.
        cfg.write_text(CONFIG.format(wait=600, schedule="at eight"))
        refused = assistant("reload", check=False)
        assert refused.returncode == 1
        assert "skills.clock.schedule: bad cron string 'at eight'" in refused.stderr
        proc.send_signal(signal.SIGHUP)
        systemd.receive("RELOADING", 10)
        systemd.receive("READY", 10)
        kept = status()
        assert kept["next_runs"] == now["next_runs"] and kept["last_reload"]["ok"] is False

        # A good config takes effect without a restart.
        cfg.write_text(CONFIG.format(wait=600, schedule="30 9 * * *"))
        assert "reloaded: 1 scheduled skills (clock)" in assistant("reload").stdout
        assert status()["next_runs"][0]["time"].endswith("09:30:00+00:00")
        pings = systemd.count("WATCHDOG")
        time.sleep(1.0)
        assert systemd.count("WATCHDOG") - pings >= 3, "watchdog pings stopped after reloads"
    finally:
        err = stop(proc, systemd) if proc.poll() is None else proc.communicate()[1]
        systemd.close()
    assert "reload: " in err and "bad cron string 'at eight'" in err
    assert "the running config stays in force" in err
    assert not sock.exists()
    runs = [json.loads(line) for line in (state_dir / "journal.jsonl").read_text().splitlines()]
    # The greeting, the trigger, and the text said (an utterance with an id, as the others).
    assert [(r["skill"], r["outcome"]) for r in runs] == [("clock", "ok")] * 2 + [("say", "ok")]
    assert all(len(r["id"]) == 6 for r in runs)


def test_an_unsynchronised_clock_holds_the_schedule(
    tmp_path: Path, state_dir: Path, run_dir: Path
) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text(CONFIG.format(wait=300, schedule="* * * * *"))
    proc, systemd = start(cfg, run_dir, synced=False)
    try:
        ready = systemd.receive("READY", 60)
        assert ready["STATUS"] == "waiting up to 5 min for the clock to be synchronised"
        assert wait_for(lambda: "clock" in status()["last_runs"], 30), "no greeting"
        now = status()
        assert now["clock"]["synchronized"] is False and now["clock"]["holding"] is True
        assert 0 < now["clock"]["hold_left_s"] <= 300
        # The greeting does not tell an unsynchronised time as fact.
        assert now["last_runs"]["clock"]["text"] == UNSURE
        assert "clock: NOT synchronised; scheduled runs wait up to 4m" in assistant("status").stdout
        for _ in range(3):
            systemd.receive("WATCHDOG", 2)  # holding on purpose is healthy
    finally:
        stop(proc, systemd)
        systemd.close()


def test_without_a_daemon_the_control_commands_say_so(run_dir: Path) -> None:
    for args in (["status"], ["trigger", "clock"], ["reload"]):
        done = assistant(*args, check=False)
        assert done.returncode == 1
        assert done.stderr.startswith("assistant: no daemon is running (no control socket at ")
