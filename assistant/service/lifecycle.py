"""The daemon process's edges: warming and stopping speech, and leaving on time."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from assistant.errors import AssistantError

log = logging.getLogger(__name__)
STOP_GRACE_S = 3.0


def warm_speech(speaker: object) -> None:
    """Start a speaker's worker in the background: the first utterance then finds the voice
    loaded (Piper takes a second or two), and READY=1 does not wait for it."""
    start = getattr(speaker, "start", None)
    if not callable(start):
        return

    def warm() -> None:
        try:
            start()
        except AssistantError as exc:  # the first utterance will try again and say why
            log.error("the speech worker did not start: %s", exc)

    threading.Thread(target=warm, name="speech-warm", daemon=True).start()


def stop_speech(speaker: object) -> None:
    """Ask a speaker that can to stop after the sentence it is saying."""
    stop = getattr(speaker, "stop", None)
    if callable(stop):
        try:
            stop()
        except Exception:  # stopping must go on whatever the speaker does
            log.exception("the speaker failed to stop")


def finish(busy: Callable[[], list[str]]) -> int:
    """Give running skills a moment, then leave even if one is stuck inside the model."""
    deadline = time.monotonic() + STOP_GRACE_S
    while busy() and time.monotonic() < deadline:
        time.sleep(0.1)
    still = busy()
    if not still:
        log.info("stopped")
        return 0
    log.warning("stopping with work still going on: %s", ", ".join(still))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # A thread still inside llama.cpp could crash interpreter teardown; skip it.
    os._exit(0)
