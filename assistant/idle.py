"""One idle-unload timer for everything loaded lazily (the LLM, the embedder and its worker)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class IdleTimer:
    """Calls `unload` (holding `lock`) once `idle_s` passed since the last `touch`.

    A model in use holds `lock`, so a timer firing then does nothing: the use touches again.
    """

    def __init__(
        self,
        idle_s: float,
        lock: threading.Lock,
        unload: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_s = idle_s
        self._lock = lock
        self._unload = unload
        self._clock = clock
        self._last = 0.0
        self._timer: threading.Timer | None = None

    def touch(self) -> None:
        """Note a use now and (re)arm the timer; idle_s <= 0 never unloads."""
        self._last = self._clock()
        if self.idle_s <= 0:
            return
        self.cancel()
        self._timer = threading.Timer(self.idle_s, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        """Disarm the timer (on close)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        """Unload unless the model is in use or was used since the timer was armed."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            # Timers may fire a hair early; 1 % slack keeps them from re-arming forever.
            if self._clock() - self._last >= self.idle_s * 0.99:
                self._unload()
        finally:
            self._lock.release()
