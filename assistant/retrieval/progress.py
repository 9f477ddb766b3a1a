"""A one-line progress bar on a terminal; silent when output is not a terminal."""

from __future__ import annotations

from typing import TextIO


class TerminalProgress:
    """Calls of (done, total) redraw `label [#####     ] done/total` in place."""

    def __init__(self, stream: TextIO, label: str = "embedding", width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.active = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar."""
        if not self.active or total <= 0:
            return
        filled = self.width * done // total
        bar = "#" * filled + " " * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        self.stream.flush()
