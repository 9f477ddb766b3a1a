"""A tiny sd_notify client: datagrams to $NOTIFY_SOCKET, so systemd knows how we are."""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)


class Notifier:
    """Sends READY=1, WATCHDOG=1, STATUS=..., STOPPING=1; does nothing outside systemd."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address or None
        self.watchdog_usec = watchdog_usec
        self._sock: socket.socket | None = None
        self._warned = False

    @classmethod
    def from_env(cls, *, unset: bool = False) -> Notifier:
        """Read $NOTIFY_SOCKET and $WATCHDOG_USEC; `unset` hides them from child processes."""
        address = os.environ.get("NOTIFY_SOCKET")
        usec = _watchdog_usec(os.environ.get("WATCHDOG_USEC"), os.environ.get("WATCHDOG_PID"))
        if unset:
            for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
                os.environ.pop(name, None)
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        """True when systemd (or a test) listens."""
        return self.address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between pings: half the watchdog timeout, or None without a watchdog."""
        if not self.watchdog_usec:
            return None
        return self.watchdog_usec / 2_000_000

    def send(self, *fields: str) -> bool:
        """Send one datagram of `KEY=value` lines; a failure is logged once, never raised."""
        if self.address is None:
            return False
        payload = "\n".join(fields).encode("utf-8", "replace")
        try:
            if self._sock is None:
                # Non-blocking: a manager that stopped reading must never stall the daemon.
                kind = socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK
                self._sock = socket.socket(socket.AF_UNIX, kind)
            self._sock.sendto(payload, _sockaddr(self.address))
        except OSError as exc:
            if not self._warned:
                log.warning("cannot notify systemd at %s: %s", self.address, exc)
                self._warned = True
            return False
        return True

    def ready(self, status: str = "") -> bool:
        """Tell systemd that start-up is complete."""
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def reloading(self) -> bool:
        """Tell systemd that a reload began (READY=1 ends it)."""
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.send("RELOADING=1", f"MONOTONIC_USEC={usec}")

    def watchdog(self) -> bool:
        """Tell systemd the daemon is alive and well."""
        return self.send("WATCHDOG=1")

    def status(self, text: str) -> bool:
        """Set the one-line status that `systemctl status` shows."""
        return self.send(f"STATUS={_one_line(text)}")

    def stopping(self) -> bool:
        """Tell systemd that the daemon is shutting down."""
        return self.send("STOPPING=1")

    def close(self) -> None:
        """Close the datagram socket."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _sockaddr(address: str) -> str | bytes:
    """A name starting with '@' is in the abstract namespace: a NUL byte instead."""
    if address.startswith("@"):
        return b"\0" + address[1:].encode()
    return address


def _watchdog_usec(value: str | None, pid: str | None) -> int | None:
    """The watchdog timeout meant for this process, if any."""
    if not value:
        return None
    if pid and pid.strip() != str(os.getpid()):
        return None
    try:
        usec = int(value)
    except ValueError:
        log.warning("ignoring WATCHDOG_USEC=%r: not a number", value)
        return None
    return usec if usec > 0 else None


def _one_line(text: str) -> str:
    return " ".join(text.split())
