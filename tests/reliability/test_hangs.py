"""Rows 9-11: hanging and raising skills, a hanging TTS engine and a stalled main loop, each
against the real daemon in a subprocess under a stand-in for systemd."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from assistant.service.client import send_request
from tests.conftest import wait_for
from tests.integration.helpers import HANGING_WORKER, Systemd
from tests.reliability.helpers import environment, plugin_dir, report, start_daemon, stop_daemon

pytestmark = pytest.mark.slow
ROUNDS = 3
SKILL_TIMEOUT_S = 1.0
TTS_TIMEOUT_S = 1.0
WATCHDOG_S = 0.6

PLUGINS = {
    "faulty_skills": """
        import time
        from assistant.skill import Reply, Skill

        class Hang(Skill):
            name = "hang"
            def run(self, ctx):
                time.sleep(3600)
                return Reply(text="never")

        class Boom(Skill):
            name = "boom"
            def run(self, ctx):
                raise RuntimeError("boom on purpose")

        class Tick(Skill):
            name = "tick"
            def run(self, ctx):
                return Reply(text="Tick.")

        class Choke(Skill):
            name = "choke"
            def run(self, ctx):
                return Reply(text="HANG now.")
    """
}
ENTRY_POINTS = {n: f"faulty_skills:{n.capitalize()}" for n in ("hang", "boom", "tick", "choke")}

# The real speech worker (Piper, the default engine), except that it hangs on text saying HANG.
HANGING_TTS = f"""
import assistant.speech.process as process
import assistant.speech.speaker as speaker
def hanging(options=None):
    return [sys.executable, "-c", {HANGING_WORKER!r}, *(options or process.WorkerOptions()).args()]
speaker.worker_command = hanging
"""

CONFIG = f"""
[assistant]
greeting = ""
timezone = "UTC"
[speech]
sink = "wav"
timeout_s = {TTS_TIMEOUT_S}
quiet_hours = ""
[service]
sync_wait_s = 0
[skills.hang]
schedule = "0 3 * * *"
timeout_s = {SKILL_TIMEOUT_S}
[skills.boom]
schedule = "0 3 * * *"
timeout_s = {SKILL_TIMEOUT_S}
[skills.tick]
schedule = "0 3 * * *"
[skills.choke]
schedule = "0 3 * * *"
"""


def max_gap(systemd: Systemd, field: str, since: float) -> float:
    """The longest wait between two datagrams with `field` after `since`."""
    times = [since] + [t for t, f in systemd.messages if field in f and t >= since]
    return max((b - a for a, b in pairwise(times)), default=0.0)


def journal(state: Path) -> list[dict[str, Any]]:
    lines = (state / "journal.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_hanging_skills_and_tts_never_hold_up_the_rest(tmp_path: Path, state_dir: Path) -> None:
    runtime = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    plugins = plugin_dir(tmp_path / "plugins", PLUGINS, ENTRY_POINTS)
    config = tmp_path / "a.toml"
    config.write_text(CONFIG)
    systemd = Systemd(runtime / "notify")
    env = environment(
        PYTHONPATH=str(plugins),
        NOTIFY_SOCKET=str(runtime / "notify"),
        WATCHDOG_USEC=str(int(WATCHDOG_S * 1e6)),
    )
    proc = start_daemon(config, env, prelude=HANGING_TTS)
    sock = runtime / "control.sock"
    faults = 0
    latencies: list[float] = []
    try:
        systemd.receive("READY", 60)
        # READY does not wait for the voice to load; what is measured below is the faults.
        assert send_request(sock, {"command": "say", "text": "Ready."})["wav"]
        since = time.monotonic()
        for _ in range(ROUNDS):
            # A hung run is abandoned at its limit; a second one meanwhile is refused, not piled up.
            assert send_request(sock, {"command": "trigger", "skill": "hang"})["queued"]
            t0 = time.monotonic()
            boom = send_request(sock, {"command": "trigger", "skill": "boom", "wait": True})
            assert boom["outcome"] == "error" and "boom on purpose" in boom["error"]
            tick = send_request(sock, {"command": "trigger", "skill": "tick", "wait": True})
            latencies.append(time.monotonic() - t0)
            assert tick["outcome"] == "ok" and tick["text"] == "Tick."
            # The TTS engine hangs: the worker is killed, the run goes on, the text is kept.
            choke = send_request(sock, {"command": "trigger", "skill": "choke", "wait": True})
            assert choke["outcome"] == "ok" and choke["error"].startswith("speech: ")
            assert choke["timings"]["speak_ms"] < (TTS_TIMEOUT_S + 8) * 1000
            after = send_request(sock, {"command": "say", "text": "Still speaking."})
            assert after["wav"] and Path(after["wav"]).stat().st_size > 1000
            faults += 3
            assert wait_for(lambda: not _busy(sock), SKILL_TIMEOUT_S + 10), "hang not abandoned"
        gap = max_gap(systemd, "WATCHDOG", since)
        assert gap < WATCHDOG_S * 2, f"watchdog pings stopped for {gap:.1f}s during the faults"
    finally:
        code, err = stop_daemon(proc)
        systemd.close()
    assert code == 0, err
    runs = journal(state_dir)
    outcomes = [(r["skill"], r["outcome"]) for r in runs]
    # The first hang times out; while its thread is still stuck, later ones are refused.
    assert outcomes.count(("hang", "timeout")) == 1
    assert outcomes.count(("hang", "busy")) == ROUNDS - 1
    assert outcomes.count(("boom", "error")) == ROUNDS
    assert outcomes.count(("tick", "ok")) == ROUNDS
    assert [r["text"] for r in runs if r["skill"] == "choke"] == ["HANG now."] * ROUNDS
    assert err.count("timed out after 1s; abandoned") == 1
    assert err.count("the previous run is still going") == ROUNDS - 1
    assert "speech worker hung" in err
    assert "espeak-ng speaks instead" not in err  # Piper spoke, before and after each hang
    report(
        "rows 9-10 hangs",
        rounds=ROUNDS,
        faults_survived=faults,
        max_other_skill_latency_s=round(max(latencies), 2),
        watchdog_max_gap_s=round(gap, 2),
        texts_lost=0,
    )


def _busy(sock: Path) -> bool:
    return "hang" in send_request(sock, {"command": "status"})["running"]


# The main loop blocks while this file exists: a stall like a deadlock in a tick.
STALL = """
import os, time
import assistant.service.daemon as daemon
_tick = daemon.Daemon.tick
def tick(self):
    while os.path.exists(os.environ["STALL_FILE"]):
        time.sleep(0.05)
    _tick(self)
daemon.Daemon.tick = tick
"""


def test_a_stalled_main_loop_stops_the_pings_and_the_manager_restarts_it(
    tmp_path: Path, state_dir: Path
) -> None:
    runtime = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    unit = (Path(__file__).resolve().parents[2] / "systemd" / "assistant.service").read_text()
    assert "Restart=on-failure" in unit and "WatchdogSec=" in unit
    config = tmp_path / "a.toml"
    config.write_text('[assistant]\ngreeting = ""\n[service]\nsync_wait_s = 0\n')
    stall = tmp_path / "stall"
    env = environment(
        NOTIFY_SOCKET=str(runtime / "notify"),
        WATCHDOG_USEC=str(int(WATCHDOG_S * 1e6)),
        STALL_FILE=str(stall),
    )
    systemd = Systemd(runtime / "notify")
    procs: list[subprocess.Popen[str]] = []
    restarts = 0
    try:
        procs.append(start_daemon(config, env, prelude=STALL))
        systemd.receive("READY", 60)
        for _ in range(2):
            systemd.receive("WATCHDOG", 5)
            stall.touch()
            stalled_at = time.monotonic()
            # What systemd does: no ping within WatchdogSec -> SIGABRT -> Restart=on-failure.
            assert wait_for(
                lambda: (systemd.last("WATCHDOG") or 0) < time.monotonic() - WATCHDOG_S, 5
            ), "pings went on while the main loop was stalled"
            assert (systemd.last("WATCHDOG") or 0) <= stalled_at + WATCHDOG_S
            procs[-1].send_signal(signal.SIGABRT)
            procs[-1].communicate(timeout=10)
            assert procs[-1].returncode != 0  # a failure, so Restart=on-failure applies
            stall.unlink()
            procs.append(start_daemon(config, env, prelude=STALL))
            systemd.receive("READY", 60)
            systemd.receive("WATCHDOG", 5)
            restarts += 1
    finally:
        stall.unlink(missing_ok=True)
        code, err = stop_daemon(procs[-1])
        for proc in procs[:-1]:
            stop_daemon(proc)
        systemd.close()
    assert code == 0, err
    report("row 11 watchdog", stalls=restarts, restarts=restarts, pings_during_stall=0)
