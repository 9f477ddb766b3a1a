"""The main loop's wake-up call: a pipe that a signal handler can ring without taking a lock."""

from __future__ import annotations

import contextlib
import os
import select

# A signal handler runs in the main thread between two bytecodes, possibly while that thread
# holds a lock inside threading.Event.wait(); Event.set() from the handler then waits for that
# lock forever. One write(2) to a pipe takes no lock, so the handler rings this instead.


class Wakeup:
    """Bytes in a non-blocking pipe: ring() writes one, wait() returns those rung since."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def ring(self, what: int = 0) -> None:
        """Wake the waiter with `what` (0-255); safe in a signal handler."""
        # A full pipe means the waiter has 64 KiB of calls to read already: it is awake.
        with contextlib.suppress(BlockingIOError):
            os.write(self._write, bytes([what]))

    def wait(self, timeout_s: float) -> bytes:
        """Wait up to `timeout_s` for a ring; return every byte rung since the last wait."""
        select.select([self._read], [], [], timeout_s)
        rung = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self._read, 4096):
                rung += chunk
        return rung

    def close(self) -> None:
        """Close both ends of the pipe (once); no handler may ring it after this."""
        if self._read < 0:
            return
        os.close(self._read)
        os.close(self._write)
        self._read = self._write = -1
