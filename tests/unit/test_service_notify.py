"""The sd_notify client against a real AF_UNIX datagram socket."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service.notify import Notifier


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield path, sock
    sock.close()


def test_each_message_is_one_datagram(listener: tuple[str, socket.socket]) -> None:
    path, sock = listener
    notifier = Notifier(path, watchdog_usec=3_000_000)
    assert notifier.ready("next: clock at 08:00")
    assert notifier.watchdog()
    assert notifier.status("a\nmulti-line\tstatus")
    assert notifier.stopping()
    notifier.close()
    got = [sock.recv(4096).decode() for _ in range(4)]
    assert got == [
        "READY=1\nSTATUS=next: clock at 08:00",
        "WATCHDOG=1",
        "STATUS=a multi-line status",
        "STOPPING=1",
    ]
    assert notifier.watchdog_interval == 1.5


def test_reloading_carries_the_monotonic_time(listener: tuple[str, socket.socket]) -> None:
    path, sock = listener
    with Notifier(path) as notifier:
        notifier.reloading()
    fields = dict(line.split("=", 1) for line in sock.recv(4096).decode().splitlines())
    assert fields["RELOADING"] == "1" and int(fields["MONOTONIC_USEC"]) > 0


def test_abstract_socket_names() -> None:
    name = f"assistant-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    with sock:
        with Notifier("@" + name) as notifier:
            assert notifier.ready()
        assert sock.recv(100) == b"READY=1"


def test_outside_systemd_it_does_nothing() -> None:
    notifier = Notifier(None)
    assert not notifier.enabled and not notifier.ready() and notifier.watchdog_interval is None


def test_a_vanished_listener_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Notifier(str(tmp_path / "gone")) as notifier:
        assert not notifier.watchdog()
        assert not notifier.watchdog()
    assert len([r for r in caplog.records if "cannot notify" in r.message]) == 1


def test_from_env_reads_and_hides_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", "/run/systemd/notify")
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    notifier = Notifier.from_env(unset=True)
    assert notifier.address == "/run/systemd/notify" and notifier.watchdog_interval == 10.0
    assert "NOTIFY_SOCKET" not in os.environ and "WATCHDOG_USEC" not in os.environ


@pytest.mark.parametrize(("usec", "pid"), [("20000000", "1"), ("soon", ""), ("0", ""), ("", "")])
def test_a_watchdog_meant_for_another_process_or_garbled_is_ignored(
    monkeypatch: pytest.MonkeyPatch, usec: str, pid: str
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", usec)
    monkeypatch.setenv("WATCHDOG_PID", pid)
    assert Notifier.from_env().watchdog_interval is None


def test_a_listener_that_stops_reading_never_blocks(listener: tuple[str, socket.socket]) -> None:
    path, _sock = listener
    with Notifier(path) as notifier:
        t0 = time.monotonic()
        sent = [notifier.watchdog() for _ in range(5000)]
    assert time.monotonic() - t0 < 5
    assert sent[0] and not sent[-1]  # the queue filled up: later pings are dropped
