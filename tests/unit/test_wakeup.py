"""The main loop's wake-up pipe: what it returns, and that a signal handler can ring it safely."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

from assistant.service.wakeup import Wakeup


def test_wait_returns_every_ring_since_the_last_wait_once() -> None:
    wake = Wakeup()
    wake.ring(signal.SIGHUP)
    wake.ring(signal.SIGTERM)
    assert wake.wait(5) == bytes([signal.SIGHUP, signal.SIGTERM])
    assert wake.wait(0) == b""
    wake.close()
    wake.close()  # twice is harmless


def test_an_unrung_wait_returns_nothing_after_its_timeout() -> None:
    wake = Wakeup()
    t0 = time.monotonic()
    assert wake.wait(0.2) == b""
    assert time.monotonic() - t0 >= 0.15
    wake.close()


def test_ringing_a_full_pipe_neither_blocks_nor_raises() -> None:
    wake = Wakeup()
    for _ in range(70_000):  # more than a Linux pipe holds (64 KiB)
        wake.ring(1)
    rung = wake.wait(0)
    assert 0 < len(rung) < 70_000 and set(rung) == {1}
    wake.close()


# The main thread waits in a tight loop while another thread signals it every half millisecond.
# With a threading.Event rung from the handler this deadlocks within a second or two: the handler
# runs while the main thread holds the Event's lock (that is how `assistant run` once hung).
STRESS = textwrap.dedent(
    """
    import os, signal, threading, time
    from assistant.service.wakeup import Wakeup

    wake = Wakeup()
    handled = 0
    pestering = True

    def handler(signum, _frame):
        global handled
        handled += 1
        wake.ring(signum)

    def pester():
        while pestering:
            os.kill(os.getpid(), signal.SIGUSR1)
            time.sleep(0.0005)

    signal.signal(signal.SIGUSR1, handler)
    threading.Thread(target=pester, daemon=True).start()
    got = 0
    end = time.monotonic() + 3
    while time.monotonic() < end:
        got += len(wake.wait(0))
    pestering = False
    time.sleep(0.1)
    got += len(wake.wait(0.1))
    print(handled, got)
    """
)


def test_a_signal_handler_ringing_it_never_deadlocks_the_waiting_thread() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STRESS], capture_output=True, text=True, timeout=60, check=True
    )
    handled, got = map(int, done.stdout.split())
    assert handled > 1000  # the handler ran many times, at random points of the loop
    assert got == handled  # and the loop read every ring
