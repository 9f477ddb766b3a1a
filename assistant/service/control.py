"""The control socket: one JSON request and one JSON answer per connection, owner only."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.service.errors import ControlError, DaemonRunningError, ServiceError
from assistant.service.paths import MAX_SOCKET_PATH

log = logging.getLogger(__name__)

Request = dict[str, Any]
Response = dict[str, Any]
Handler = Callable[[Request], Response]

# The whole request must arrive within this long: a client dripping a byte every few
# seconds is cut off at the same moment as one that sends nothing.
READ_TIMEOUT_S = 5.0
MAX_CONNECTIONS = 8
# Connections the kernel queues before accept(); past it a client hears "daemon busy".
BACKLOG = 128
DRAIN_TIMEOUT_S = 1.0
MAX_DRAIN_BYTES = 16 * 1024 * 1024
_PEERCRED = struct.Struct("3i")  # pid, uid, gid


class ControlServer:
    """Listens on a Unix stream socket (mode 0600); each connection is served in a thread."""

    def __init__(
        self,
        path: Path,
        handle: Handler,
        *,
        max_bytes: int = 65536,
        allowed_uids: frozenset[int] | None = None,
    ) -> None:
        self.path = path
        self.handle = handle
        self.max_bytes = max_bytes
        # Our own user, and root (who could read our memory anyway).
        self.allowed_uids = allowed_uids if allowed_uids is not None else {os.getuid(), 0}
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = threading.Event()

    def start(self) -> None:
        """Bind the socket (refusing if a live daemon holds it) and start accepting."""
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise ServiceError(f"control socket path too long for a Unix socket: {self.path}")
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _remove_stale(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            sock.bind(str(self.path))
            os.chmod(self.path, 0o600)
            sock.listen(BACKLOG)
        except OSError as exc:
            sock.close()
            raise ServiceError(f"cannot listen on {self.path}: {exc.strerror or exc}") from exc
        sock.settimeout(0.5)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept_loop, name="control", daemon=True)
        self._thread.start()
        log.info("control socket at %s", self.path)

    def close(self) -> None:
        """Stop accepting and remove the socket file."""
        self._closed.set()
        if self._sock is not None:
            _poke(self.path)  # wakes the accept() at once instead of at its next poll
        if self._thread is not None:
            self._thread.join(2.0)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            with contextlib.suppress(OSError):
                self.path.unlink()

    def __enter__(self) -> ControlServer:
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def _accept_loop(self) -> None:
        """Accept until closed; a connection beyond the limit is answered 'busy' at once."""
        assert self._sock is not None
        while not self._closed.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if not self._closed.is_set():
                    log.error("control socket: accept failed: %s", exc)
                return
            if self._closed.is_set():
                conn.close()
                return
            if not self._slots.acquire(blocking=False):
                _answer(conn, _error("the daemon is busy with other requests; try again"))
                conn.close()
                continue
            threading.Thread(
                target=self._serve, args=(conn,), name="control-conn", daemon=True
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        """Check the peer, read one request, answer it, close."""
        try:
            with conn:
                response = self._respond(conn)
                conn.settimeout(READ_TIMEOUT_S)  # the answer gets its own bounded time
                _answer(conn, response)
                _drain(conn)
        except OSError as exc:
            log.warning("control socket: connection dropped: %s", exc)
        finally:
            self._slots.release()

    def _respond(self, conn: socket.socket) -> Response:
        """The answer to this connection's request, or an error saying what was wrong."""
        pid, uid, _gid = _PEERCRED.unpack(
            conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
        )
        if uid not in self.allowed_uids:
            log.warning("control socket: refused pid %d of uid %d", pid, uid)
            return _error(f"permission denied: uid {uid} may not control this daemon")
        try:
            deadline = time.monotonic() + READ_TIMEOUT_S
            request = parse_request(_read_request(conn, self.max_bytes, deadline))
        except ControlError as exc:
            log.warning("control socket: bad request from pid %d: %s", pid, exc)
            return _error(str(exc))
        return answer(self.handle, request)


def answer(handle: Handler, request: Request) -> Response:
    """`handle`'s answer to `request`, or an error response: a bad request, or a bug in its
    handling, never reaches the caller's thread as an exception."""
    try:
        return handle(request)
    except ControlError as exc:
        return _error(str(exc))
    except Exception as exc:  # one bad request never takes the daemon down
        log.exception("%s request failed", request.get("command"))
        return _error(f"internal error: {exc!r}")


def parse_request(raw: bytes) -> Request:
    """Decode one request: a JSON object with a string "command"; raise ControlError."""
    try:
        request = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(f"malformed request: not JSON: {exc}") from None
    except RecursionError:
        raise ControlError("malformed request: nested too deeply") from None
    if not isinstance(request, dict):
        raise ControlError("malformed request: want a JSON object")
    if not isinstance(request.get("command"), str):
        raise ControlError('malformed request: want a string "command"')
    return request


def _read_request(conn: socket.socket, max_bytes: int, deadline: float) -> bytes:
    """Read until the client shuts its side or sends a newline, all before `deadline`;
    refuse more than max_bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            conn.settimeout(max(0.001, deadline - time.monotonic()))
            chunk = conn.recv(65536)
        except TimeoutError:
            raise ControlError(
                f"incomplete request: not all sent within {READ_TIMEOUT_S:g}s"
            ) from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise ControlError(f"request too large: over {max_bytes} bytes")
        if chunk.endswith(b"\n"):
            break
    if not size:
        raise ControlError("malformed request: empty")
    return b"".join(chunks)


def _answer(conn: socket.socket, response: Response) -> None:
    """Send one JSON line; the client may have gone already."""
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps(response, ensure_ascii=False).encode() + b"\n")


def _drain(conn: socket.socket) -> None:
    """Read what a refused client still sends (bounded): closing on unread data would reset
    the connection and the client would lose our answer."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
        left = MAX_DRAIN_BYTES
        while left > 0 and time.monotonic() < deadline:
            conn.settimeout(max(0.001, deadline - time.monotonic()))
            if not (chunk := conn.recv(65536)):
                break
            left -= len(chunk)


def _poke(path: Path) -> None:
    """Connect and hang up at once."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as sock:
        sock.settimeout(0.5)
        with contextlib.suppress(OSError):
            sock.connect(str(path))


def _error(message: str) -> Response:
    return {"ok": False, "error": message}


def _remove_stale(path: Path) -> None:
    """Remove a socket file left by a dead daemon; refuse to steal a live one."""
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_socket():
        raise ServiceError(f"{path} exists and is not a socket; not touching it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
        return
    finally:
        probe.close()
    raise DaemonRunningError(f"another daemon is already listening on {path}")
