"""The control socket: a real Unix socket server and client, with a fake handler."""

from __future__ import annotations

import json
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.service.api import build_handler
from assistant.service.client import request_daemon, say_via_daemon, send_request
from assistant.service.control import ControlServer, parse_request
from assistant.service.errors import (
    ControlError,
    DaemonRunningError,
    DaemonUnavailableError,
    ServiceError,
)


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short runtime dir (Unix socket paths are limited to 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="as-") as tmp:
        monkeypatch.setenv("ASSISTANT_RUNTIME_DIR", tmp)
        yield Path(tmp)


def echo(request: dict[str, Any]) -> dict[str, Any]:
    if request["command"] == "boom":
        raise RuntimeError("kaboom")
    if request["command"] == "refuse":
        raise ControlError("not now")
    return {"ok": True, "echo": request}


def raw(path: Path, payload: bytes) -> dict[str, Any]:
    """Send bytes as they are and read the answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it read everything; the answer is waiting
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    answer: dict[str, Any] = json.loads(data)
    return answer


def test_a_request_is_answered_and_the_socket_is_private(runtime: Path) -> None:
    path = runtime / "control.sock"
    with ControlServer(path, echo):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        answer = send_request(path, {"command": "status", "x": [1, 2]})
        assert answer == {"ok": True, "echo": {"command": "status", "x": [1, 2]}}
        assert request_daemon({"command": "ping"})["ok"]
    assert not path.exists()


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b"{not json", "malformed request: not JSON"),
        (b"[1, 2]", "malformed request: want a JSON object"),
        (b'{"skill": "clock"}', 'malformed request: want a string "command"'),
        (b"\xff\xfe", "malformed request: not JSON"),
        (b"", "malformed request: empty"),
    ],
)
def test_malformed_requests_get_a_clear_error(runtime: Path, payload: bytes, error: str) -> None:
    path = runtime / "control.sock"
    with ControlServer(path, echo):
        answer = raw(path, payload)
    assert answer["ok"] is False and answer["error"].startswith(error)


def test_an_oversized_request_is_refused_and_the_server_goes_on(runtime: Path) -> None:
    path = runtime / "control.sock"
    with ControlServer(path, echo, max_bytes=2048):
        big = json.dumps({"command": "say", "text": "x" * 5_000_000}).encode()
        answer = raw(path, big)
        assert answer == {"ok": False, "error": "request too large: over 2048 bytes"}
        assert send_request(path, {"command": "status"})["ok"]


def test_handler_errors_are_answers_not_crashes(runtime: Path) -> None:
    path = runtime / "control.sock"
    with ControlServer(path, echo):
        assert send_request(path, {"command": "refuse"}) == {"ok": False, "error": "not now"}
        boom = send_request(path, {"command": "boom"})
        assert boom["ok"] is False and "kaboom" in boom["error"]
        assert send_request(path, {"command": "status"})["ok"]


def test_other_users_are_refused(runtime: Path) -> None:
    path = runtime / "control.sock"
    # The peer's uid comes from SO_PEERCRED; only uid 4242 may talk to this server.
    with ControlServer(path, echo, allowed_uids=frozenset({4242})):
        answer = send_request(path, {"command": "status"})
    assert answer == {
        "ok": False,
        "error": f"permission denied: uid {os.getuid()} may not control this daemon",
    }


def test_a_live_daemon_is_not_displaced_but_a_stale_socket_is(runtime: Path) -> None:
    path = runtime / "control.sock"
    with ControlServer(path, echo), pytest.raises(DaemonRunningError, match="already listening"):
        ControlServer(path, echo).start()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: what a killed daemon leaves
    with ControlServer(path, echo):
        assert send_request(path, {"command": "status"})["ok"]


def test_a_file_in_the_way_or_a_long_path_is_a_clear_error(runtime: Path) -> None:
    path = runtime / "control.sock"
    path.write_text("not a socket")
    with pytest.raises(ServiceError, match="is not a socket"):
        ControlServer(path, echo).start()
    with pytest.raises(ServiceError, match="too long"):
        ControlServer(runtime / ("x" * 120), echo).start()


def test_without_a_daemon_clients_say_so(runtime: Path) -> None:
    with pytest.raises(DaemonUnavailableError, match="no daemon is running"):
        request_daemon({"command": "status"})
    assert say_via_daemon("hello") is None
    with pytest.raises(DaemonUnavailableError, match="no daemon listens"):
        send_request(runtime / "control.sock", {"command": "status"})


def test_a_garbled_answer_is_a_control_error(runtime: Path) -> None:
    path = runtime / "control.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect(str(path))
            conn, _ = server.accept()
            with conn:
                conn.sendall(b"hello\n")
            with pytest.raises(ControlError, match="not JSON"):
                from assistant.service.client import _decode, _read_all

                _decode(_read_all(client), path)


def test_parse_request_accepts_a_trailing_newline() -> None:
    assert parse_request(b'{"command": "status"}\n') == {"command": "status"}


class Target:
    """A stand-in daemon for the protocol layer."""

    def status(self) -> dict[str, Any]:
        return {"ok": True}

    def trigger(self, skill: str, wait: bool) -> dict[str, Any]:
        return {"ok": True, "skill": skill, "wait": wait}

    def say(self, text: str) -> dict[str, Any]:
        return {"ok": True, "text": text}

    def reload(self) -> dict[str, Any]:
        return {"ok": True, "skills": []}


def test_the_protocol_checks_each_field() -> None:
    handle = build_handler(Target())
    assert handle({"command": "trigger", "skill": "clock"}) == {
        "ok": True,
        "skill": "clock",
        "wait": False,
    }
    assert handle({"command": "say", "text": "hi"})["text"] == "hi"
    bad = [
        ({"command": "dance"}, "unknown command 'dance'"),
        ({"command": "trigger"}, '"skill" must be a non-empty string'),
        ({"command": "trigger", "skill": "clock", "wait": "yes"}, '"wait" must be true or false'),
        ({"command": "say", "text": "  "}, '"text" must be a non-empty string'),
        ({"command": "say", "text": "a" * 5000}, '"text" is too long: 5000 characters'),
    ]
    for request, message in bad:
        with pytest.raises(ControlError, match=message):
            handle(request)
