"""Row 15: the control socket refuses other users and malformed or huge requests clearly."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.service.client import send_request
from assistant.service.control import ControlServer, parse_request
from assistant.service.errors import ControlError
from tests.conftest import wait_for
from tests.reliability.helpers import environment, report, start_daemon, stop_daemon

pytestmark = pytest.mark.slow
NOBODY = 65534
CONFIG = '[assistant]\ngreeting = ""\n[service]\nsync_wait_s = 0\nmax_request_bytes = 65536\n'

BAD = [
    (b"{oops", "malformed request: not JSON"),
    (b"\xff\xfe\x00", "malformed request: not JSON"),
    (b"[1, 2]", "want a JSON object"),
    (b'{"command": 5}', 'want a string "command"'),
    (b'{"command": "dance"}', "unknown command 'dance'"),
    (b'{"command": "trigger"}', '"skill" must be a non-empty string'),
    (b'{"command": "trigger", "skill": "x", "wait": "yes"}', '"wait" must be true or false'),
    (b'{"command": "say", "text": ""}', '"text" must be a non-empty string'),
    (json.dumps({"command": "say", "text": "x" * 5000}).encode(), '"text" is too long'),
    (b'{"command": "trigger", "skill": "nope", "wait": true}', "no skill named 'nope'"),
    (b"x" * 70_000, "request too large: over 65536 bytes"),
    (b"x" * (16 * 1024 * 1024), "request too large: over 65536 bytes"),
    (b"", "malformed request: empty"),
]


def raw_request(path: Path, payload: bytes, timeout: float = 15) -> dict[str, Any]:
    """Send raw bytes, half-close, and read the one-line answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        # Connect blocking: with a timeout set, a full backlog fails at once with EAGAIN.
        conn.connect(str(path))
        conn.settimeout(timeout)
        try:
            conn.sendall(payload)
            conn.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it read everything: the answer is still there
        line = conn.makefile("rb").readline()
    answer: dict[str, Any] = json.loads(line)
    return answer


def connect_as(uid: int, path: Path) -> str:
    """Try the socket from a process running as `uid`; return how it went."""
    code = (
        "import json, socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n"
        f"    s.connect({str(path)!r})\n"
        '    s.sendall(b\'{"command": "status"}\\n\'); s.shutdown(socket.SHUT_WR)\n'
        "    print(s.makefile().readline().strip())\n"
        "except OSError as e:\n"
        "    print(type(e).__name__)\n"
    )
    # The venv may sit where that user cannot read it; the system Python is enough here.
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    done = subprocess.run(
        [python, "-c", code],
        user=uid,
        cwd="/",
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.strip() or done.stderr.strip()


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another user needs root")
def test_the_real_daemon_refuses_strangers_and_bad_requests(tmp_path: Path) -> None:
    runtime = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    config = tmp_path / "a.toml"
    config.write_text(CONFIG)
    proc = start_daemon(config, environment())
    sock = runtime / "control.sock"
    refused = 0
    try:
        assert wait_for(sock.exists, 60), "no control socket"
        assert wait_for(lambda: send_request(sock, {"command": "status"})["ok"], 10)
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600
        assert stat.S_IMODE(sock.parent.stat().st_mode) & 0o077 == 0
        # Another user cannot even connect: the kernel checks the socket's mode.
        assert connect_as(NOBODY, sock) == "PermissionError"
        refused += 1
        for payload, error in BAD:
            answer = raw_request(sock, payload)
            assert answer["ok"] is False and error in answer["error"], (payload[:40], answer)
            refused += 1
        # A client that sends half a request and waits is cut off, while others are served.
        slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        slow.settimeout(15)
        slow.connect(str(sock))
        slow.sendall(b'{"command": "sta')
        t0 = time.monotonic()
        assert send_request(sock, {"command": "status"})["ok"]
        assert time.monotonic() - t0 < 2
        answer = json.loads(slow.makefile("rb").readline())
        slow.close()
        assert "incomplete request" in answer["error"]
        refused += 1
        # A burst of connections beyond the limit is told to come back, and nothing hangs.
        answers: list[dict[str, Any]] = []
        holders = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(8)]
        for h in holders:
            h.connect(str(sock))  # blocking: a full backlog waits instead of failing
        threads = [
            threading.Thread(target=lambda: answers.append(raw_request(sock, b"{oops")))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        for h in holders:
            h.close()
        assert len(answers) == 4 and all(a["ok"] is False for a in answers)
        assert any("busy" in a["error"] for a in answers)
        refused += 4
        # Nesting deep enough to break json.loads gets a clear answer too (once the burst's
        # connections above have been let go).
        deadline = time.monotonic() + 10
        answer = raw_request(sock, b"[" * 5000)
        while "busy" in answer["error"] and time.monotonic() < deadline:
            time.sleep(0.1)
            answer = raw_request(sock, b"[" * 5000)
        assert answer["ok"] is False and "nested too deeply" in answer["error"], answer
        refused += 1
        assert wait_for(lambda: send_request(sock, {"command": "status"})["ok"], 10)
    finally:
        code, err = stop_daemon(proc)
    assert code == 0, err
    report("row 15 control", bad_requests=refused, strangers_refused=1, daemon_restarts=0)


def test_a_peer_not_on_the_allowed_list_is_refused_by_name(tmp_path: Path) -> None:
    path = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "c.sock"
    called: list[dict[str, Any]] = []

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        called.append(request)
        return {"ok": True}

    with ControlServer(path, handle, allowed_uids=frozenset({4242})):
        answer = raw_request(path, b'{"command": "status"}\n')
    assert answer == {
        "ok": False,
        "error": f"permission denied: uid {os.getuid()} may not control this daemon",
    }
    assert called == []
    report("row 15 peercred", strangers_refused=1, handler_calls=0)


def test_a_deeply_nested_request_is_refused_clearly() -> None:
    with pytest.raises(ControlError, match="malformed request"):
        parse_request(b"[" * 5000)
