"""Rows 21, 23 and 27: a socket nobody can jam, a config file that is not a file, and a stop
that leaves nothing behind; real Unix sockets, FIFOs and daemons in subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.service import control
from assistant.service.client import send_request
from assistant.service.control import ControlServer
from assistant.service.errors import ServiceError
from tests.conftest import wait_for
from tests.reliability.helpers import (
    environment,
    plugin_dir,
    report,
    start_daemon,
    stop_daemon,
)
from tests.reliability.test_hangs import HANGING_TTS, PLUGINS
from tests.reliability.test_hostile_files import cli

pytestmark = pytest.mark.slow
DEADLINE_S = 2.0
DRIP_EVERY_S = 0.5


def drip(path: Path, until: float, answers: list[tuple[float, str]]) -> None:
    """Send a request one byte every DRIP_EVERY_S (never quite idle) and record the answer."""
    payload = b'{"command": "status", "padding": "' + b"x" * 200 + b'"}\n'
    start = time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(path))
        conn.settimeout(0.05)
        for byte in payload:
            try:
                conn.sendall(bytes([byte]))
                line = conn.recv(4096)
            except TimeoutError:
                line = b""
            except OSError:
                line = b"(reset)"
            if line or time.monotonic() > until:
                break
            time.sleep(DRIP_EVERY_S)
        answers.append((time.monotonic() - start, line.decode(errors="replace")))


class Stalled(ControlServer):
    """A server that listens but never accepts (a daemon stuck elsewhere)."""

    def _accept_loop(self) -> None:
        self._closed.wait()


def queued_connections(path: Path, most: int = 1000) -> list[socket.socket]:
    """Connect without blocking until the kernel's backlog of `path` is full."""
    held: list[socket.socket] = []
    for _ in range(most):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(str(path))
        except BlockingIOError:
            sock.close()
            break
        held.append(sock)
    return held


def test_dripping_clients_are_cut_off_and_a_full_backlog_is_daemon_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(control, "READ_TIMEOUT_S", DEADLINE_S)
    runtime = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    path = runtime / "drip.sock"
    answers: list[tuple[float, str]] = []
    with ControlServer(path, lambda _r: {"ok": True, "served": True}):
        until = time.monotonic() + 4 * DEADLINE_S
        drippers = [
            threading.Thread(target=drip, args=(path, until, answers))
            for _ in range(control.MAX_CONNECTIONS)
        ]
        for t in drippers:
            t.start()
        time.sleep(0.3)
        # Every slot is taken by a dripper: others hear "busy" at once, never wait.
        t0 = time.monotonic()
        answer = send_request(path, {"command": "status"}, timeout=10)
        assert answer["ok"] is False and "busy" in answer["error"], answer
        assert time.monotonic() - t0 < 1
        # One deadline later every dripper is cut off, and a client is served again.
        assert wait_for(lambda: len(answers) == len(drippers), DEADLINE_S + 2)
        served = send_request(path, {"command": "status"}, timeout=10)
        for t in drippers:
            t.join(10)
    slowest = max(seconds for seconds, _line in answers)
    assert all("not all sent within" in line for _s, line in answers), answers
    assert slowest < DEADLINE_S + 1 and served == {"ok": True, "served": True}
    # A daemon that is not accepting: the kernel queues BACKLOG, then the CLI says "busy".
    sock = runtime / "control.sock"
    with Stalled(sock, lambda _r: {"ok": True}):
        held = queued_connections(sock)
        try:
            done = cli("status")
        finally:
            for h in held:
                h.close()
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "daemon busy" in lines[0], done.stderr
    assert len(held) >= 64
    report(
        "row 21 socket",
        drippers=len(drippers),
        cut_off=len(answers),
        slowest_cut_off_s=round(slowest, 2),
        queued_before_busy=len(held),
        tracebacks=0,
    )


def test_a_config_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.toml"
    huge.write_text("# a comment line that goes on\n" * 80_000)  # 2.4 MB of valid TOML
    tried = 0
    for path, why in (
        (fifo, "not a regular file"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "not a regular file"),
        (huge, "too large"),
    ):
        t0 = time.monotonic()
        done = cli("check-config", str(path), timeout=20)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1 and why in lines[0], (path, done.stderr)
        assert time.monotonic() - t0 < 10
        tried += 1
    # A reload that finds a FIFO in place of the config does not block SIGTERM.
    config = tmp_path / "live.toml"
    config.write_text('[assistant]\ngreeting = ""\n[speech]\nsink = "text"\n')
    proc = start_daemon(config, environment())
    sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    try:
        assert wait_for(sock.exists, 60), "no daemon"
        config.unlink()
        os.mkfifo(config)
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: send_request(sock, {"command": "status"})["last_reload"], 10)
        t0 = time.monotonic()
    finally:
        code, err = stop_daemon(proc)
    stop_s = time.monotonic() - t0
    assert code == 0 and stop_s < 5, (stop_s, err[-2000:])
    assert "not a regular file" in err
    report(
        "row 23 config file", bad_files=tried + 1, hung=0, stop_after_bad_reload_s=round(stop_s, 1)
    )


def children(pid: int) -> list[int]:
    """The child processes of `pid` (any of its threads)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_stop_mid_run_is_journalled_as_stopped_and_leaves_no_worker(
    tmp_path: Path, state_dir: Path
) -> None:
    plugins = plugin_dir(tmp_path / "plugins", PLUGINS, {"hang": "faulty_skills:Hang"})
    config = tmp_path / "a.toml"
    config.write_text(
        '[assistant]\ngreeting = ""\ntimezone = "UTC"\n[speech]\nsink = "wav"\n'
        'timeout_s = 300\nquiet_hours = ""\n[skills.hang]\nschedule = "0 3 * * *"\n'
        "timeout_s = 600\n"
    )
    proc = start_daemon(config, environment(PYTHONPATH=str(plugins)), HANGING_TTS)
    sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    worker = 0

    def say() -> None:
        with contextlib.suppress(ServiceError):  # the daemon stops before it answers
            send_request(sock, {"command": "say", "text": "HANG."})

    try:
        assert wait_for(sock.exists, 60), "no daemon"
        assert send_request(sock, {"command": "trigger", "skill": "hang"})["queued"]
        threading.Thread(target=say, daemon=True).start()
        assert wait_for(lambda: bool(children(proc.pid)), 30), "no speech worker"
        worker = children(proc.pid)[0]
        time.sleep(1.0)  # the worker is inside its hang now
    finally:
        code, err = stop_daemon(proc)
    gone = wait_for(lambda: not alive(worker), 3)
    if not gone:
        os.kill(worker, signal.SIGKILL)
    rows = [json.loads(line) for line in (state_dir / "journal.jsonl").read_text().splitlines()]
    outcomes = [r["outcome"] for r in rows if r["skill"] == "hang"]
    assert code == 0, err[-2000:]
    assert outcomes == ["stopped"], outcomes
    assert gone, "the speech worker outlived the daemon"
    report("row 27 stop", runs_cut_short=1, journalled_stopped=1, workers_orphaned=0)


EMBED_PARENT = """
import json, os, subprocess, sys, time
from assistant.retrieval.embedder import QUIET_OFFLINE, EmbedSpec
from assistant.retrieval.worker import read_frame, write_frame

spec = json.dumps(EmbedSpec(backend="torch").to_json())
proc = subprocess.Popen(
    [sys.executable, "-m", "assistant.retrieval.worker", spec],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, **QUIET_OFFLINE},
)
write_frame(proc.stdin, json.dumps({"texts": ["warm up"], "batch": 8}).encode())
read_frame(proc.stdout); read_frame(proc.stdout)
texts = [f"note {i}: the bicycle chain and the tomato bed " * 12 for i in range(4000)]
write_frame(proc.stdin, json.dumps({"texts": texts, "batch": 32}).encode())
print(proc.pid, flush=True)
time.sleep(600)
"""


def test_an_embedding_worker_whose_parent_is_killed_exits_at_once() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", EMBED_PARENT],
        stdout=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    try:
        time.sleep(1.0)  # inside a batch of 4,000 texts (a minute of work on 2 cores)
        assert alive(worker)
        parent.kill()
        t0 = time.monotonic()
        parent.communicate(timeout=10)
        gone = wait_for(lambda: not alive(worker), 10, step=0.05)
        exit_s = time.monotonic() - t0
    finally:
        if alive(worker):
            os.kill(worker, signal.SIGKILL)
    assert gone and exit_s < 2, f"the worker ran on for {exit_s:.1f}s"
    report("row 27 embedding worker", parents_killed=1, worker_exit_s=round(exit_s, 2))
