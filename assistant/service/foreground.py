"""`assistant run`: the daemon in the foreground until SIGTERM or SIGINT; SIGHUP reloads it."""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

from assistant.errors import AssistantError
from assistant.runtime import App
from assistant.service.daemon import Daemon
from assistant.service.notify import Notifier


def run_daemon(app: App, rebuild: Callable[[App], App], **parts: Any) -> int:
    """Run the daemon in the foreground until SIGTERM or SIGINT; return the exit code.

    `rebuild` makes a new app from the old one's config file on reload (SIGHUP).
    """
    notifier = parts.pop("notifier", None) or Notifier.from_env(unset=True)
    daemon = Daemon(app, notifier=notifier, rebuild=rebuild, **parts)

    def ring(signum: int, _frame: FrameType | None) -> None:
        daemon.wake.ring(signum)  # the loop acts on it: a handler must take no lock

    handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for signum in handled:
        signal.signal(signum, ring)
    try:
        daemon.start()
    except AssistantError:
        daemon.scheduler.shutdown(wait=False)
        raise
    daemon.loop()
    # Stopping already: a second signal changes nothing, and stop() closes the pipe it rings.
    for signum in handled:
        signal.signal(signum, signal.SIG_IGN)
    return daemon.stop()
