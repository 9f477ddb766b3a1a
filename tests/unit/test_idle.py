"""The idle timer: unload after a quiet spell, never while in use, never when disabled."""

from __future__ import annotations

import threading
import time

from assistant.idle import IdleTimer
from tests.conftest import wait_for


def test_unloads_once_after_the_quiet_spell() -> None:
    lock, unloaded = threading.Lock(), []
    timer = IdleTimer(0.05, lock, lambda: unloaded.append(1))
    timer.touch()
    assert wait_for(lambda: unloaded, 2.0)
    time.sleep(0.1)
    assert unloaded == [1]


def test_a_use_in_progress_keeps_the_model() -> None:
    lock, unloaded = threading.Lock(), []
    timer = IdleTimer(0.05, lock, lambda: unloaded.append(1))
    with lock:  # a generation holds the model's lock past the idle time
        timer.touch()
        time.sleep(0.15)
    assert unloaded == []


def test_touching_again_postpones_and_cancel_disarms() -> None:
    lock, unloaded = threading.Lock(), []
    timer = IdleTimer(0.2, lock, lambda: unloaded.append(1))
    for _ in range(4):
        timer.touch()
        time.sleep(0.1)
    assert unloaded == []
    timer.cancel()
    time.sleep(0.3)
    assert unloaded == []


def test_zero_never_unloads() -> None:
    lock, unloaded = threading.Lock(), []
    IdleTimer(0, lock, lambda: unloaded.append(1)).touch()
    time.sleep(0.05)
    assert unloaded == []
