"""The parts of a reply finished so far: a late prepared run speaks them while the rest is made.

A skill that says its reply in parts (the briefing: greeting, clock, each headline, the quote)
adds each finished part to `ctx.draft`, in order, such that its reply's text is the parts joined
by line breaks. When the scheduled second comes before the prepared reply is complete, the
parts already there are spoken at once and each later one as soon as it is added.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator


class Draft:
    """Finished parts of one reply, in order; thread-safe (a skill adds, a speaker follows)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._closed = False
        self._changed = threading.Condition()

    def add(self, part: str) -> None:
        """Append a finished part (ignored once closed: an abandoned run adds nothing)."""
        with self._changed:
            if not self._closed:
                self._parts.append(part)
                self._changed.notify_all()

    def close(self) -> None:
        """No more parts: the run is over."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def parts(self) -> list[str]:
        """The parts so far."""
        with self._changed:
            return list(self._parts)

    def wait_any(self, timeout_s: float) -> bool:
        """Wait until a part is there or the draft closes; True when a part is there."""
        with self._changed:
            self._changed.wait_for(lambda: self._parts or self._closed, timeout_s)
            return bool(self._parts)

    def follow(self, timeout_s: float) -> Iterator[str]:
        """Each part, those there now at once, later ones as they are added, until the draft
        closes or `timeout_s` passes."""
        deadline = time.monotonic() + timeout_s
        sent = 0
        while True:
            fresh, over = self._after(sent, deadline)
            yield from fresh
            sent += len(fresh)
            if over and not fresh:
                return

    def _after(self, sent: int, deadline: float) -> tuple[list[str], bool]:
        """The parts after the first `sent` (waiting for one until `deadline`), and whether
        no more will come."""
        with self._changed:
            self._changed.wait_for(
                lambda: len(self._parts) > sent or self._closed,
                max(0.0, deadline - time.monotonic()),
            )
            return self._parts[sent:], self._closed or time.monotonic() >= deadline
