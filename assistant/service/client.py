"""Talking to the running daemon: send one request over the control socket, read the answer."""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path
from typing import Any

from assistant.service.errors import ControlError, DaemonUnavailableError
from assistant.service.paths import find_socket, socket_candidates

MAX_RESPONSE_BYTES = 16 * 1024 * 1024


def send_request(path: Path, request: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """Send `request` to the daemon at `path`; return its answer (which may say ok: false).

    Raise DaemonUnavailableError when nothing listens there, ControlError on a garbled answer.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    sock.settimeout(timeout)
    with sock:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise DaemonUnavailableError(f"no daemon listens on {path}: {exc.strerror}") from None
        except BlockingIOError:
            # The kernel's queue of connections waiting for accept() is full.
            raise ControlError(f"daemon busy: too many connections waiting on {path}") from None
        except PermissionError:
            raise DaemonUnavailableError(
                f"not allowed to open {path}: run as the daemon's user (or root)"
            ) from None
        # The daemon may refuse (too large) before reading it all: its answer still counts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(json.dumps(request).encode() + b"\n")
            sock.shutdown(socket.SHUT_WR)
        raw = _read_all(sock)
    return _decode(raw, path)


def _read_all(sock: socket.socket) -> bytes:
    """Everything the daemon sends until it closes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise ControlError("the daemon did not answer in time") from None
        except ConnectionResetError:
            break
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ControlError("the daemon's answer is too large")
    return b"".join(chunks)


def _decode(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse one JSON object, or say why it is not one."""
    if not raw:
        raise ControlError(f"the daemon at {path} closed without answering")
    try:
        answer = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(f"the daemon's answer is not JSON: {exc}") from None
    if not isinstance(answer, dict) or "ok" not in answer:
        raise ControlError(f"the daemon's answer is not in the control protocol: {raw[:200]!r}")
    return answer


def daemon_socket() -> Path:
    """The running daemon's socket, or DaemonUnavailableError naming where we looked."""
    path = find_socket()
    if path is None:
        where = ", ".join(str(p) for p in socket_candidates())
        raise DaemonUnavailableError(f"no daemon is running (no control socket at {where})")
    return path


def request_daemon(request: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """Send `request` to the running daemon; raise DaemonUnavailableError when there is none."""
    return send_request(daemon_socket(), request, timeout)


def say_via_daemon(text: str, timeout: float = 120.0) -> dict[str, Any] | None:
    """Have the running daemon speak `text`; None when no daemon runs (speak standalone)."""
    path = find_socket()
    if path is None:
        return None
    try:
        return send_request(path, {"command": "say", "text": text}, timeout)
    except DaemonUnavailableError:
        return None
