"""`assistant run`: the daemon in the foreground until SIGTERM or SIGINT; SIGHUP reloads it."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

from assistant.errors import AssistantError
from assistant.runtime import App
from assistant.service.daemon import Daemon
from assistant.service.notify import Notifier

log = logging.getLogger(__name__)


def run_daemon(app: App, rebuild: Callable[[App], App], **parts: Any) -> int:
    """Run the daemon in the foreground until SIGTERM or SIGINT; return the exit code.

    `rebuild` makes a new app from the old one's config file on reload (SIGHUP).
    """
    notifier = parts.pop("notifier", None) or Notifier.from_env(unset=True)
    daemon = Daemon(app, notifier=notifier, rebuild=rebuild, **parts)

    def on_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        daemon.stopping.set()
        daemon.wake.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        log.info("received SIGHUP; reloading the config")
        daemon.reload_requested.set()
        daemon.wake.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    try:
        daemon.start()
    except AssistantError:
        daemon.scheduler.shutdown(wait=False)
        raise
    daemon.loop()
    return daemon.stop()
