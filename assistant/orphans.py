"""Worker processes end when the daemon that started them is gone, even after `kill -9`."""

from __future__ import annotations

import os
import threading
import time

WATCH_INTERVAL_S = 0.2


def exit_with_parent(interval_s: float = WATCH_INTERVAL_S) -> None:
    """Exit this process at once (within `interval_s`) when its parent dies.

    A thread polls getppid(): it changes to the reaper when the parent dies. Not
    PR_SET_PDEATHSIG, which fires when the parent *thread* that started us ends, and the
    daemon starts workers from short-lived threads.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(1)  # no cleanup: the batch in hand has nobody left to answer

    if parent == 1:  # already orphaned before we looked
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
