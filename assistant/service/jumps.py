"""Wall-clock jumps: wall time moving unlike monotonic time (NTP step, manual set, resume)."""

from __future__ import annotations

import time
from collections.abc import Callable


class JumpDetector:
    """Compares wall and monotonic time at each check; reports steps beyond a threshold."""

    def __init__(
        self,
        threshold_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.threshold_s = threshold_s
        self._monotonic = monotonic
        self._wall = wall
        self._offset = wall() - monotonic()

    def check(self) -> float | None:
        """The jump in seconds since the last check (+ forward, - back), or None."""
        offset = self._wall() - self._monotonic()
        jump = offset - self._offset
        self._offset = offset
        return jump if abs(jump) >= self.threshold_s else None
