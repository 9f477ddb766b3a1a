"""`last`, `repeat`, `source` and `feedback` over the run journal: what the daemon answers,
and what the CLI does itself when no daemon runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from assistant.feedback.store import FeedbackError, FeedbackStore
from assistant.feedback.utterance import SAY, Utterance, source_sentence
from assistant.journal import Journal, RunRecord

log = logging.getLogger(__name__)
# What is done with a rating besides storing it: (utterance, "good" or "bad", note).
FeedbackHook = Callable[[Utterance, str, str], None]
# Speaks a text as a skill (quiet hours know who speaks); raises AssistantError on failure.
Say = Callable[[str, str], object]


def ignore_feedback(utterance: Utterance, verdict: str, note: str) -> None:
    """Learn nothing from a rating beyond storing it (the default hook)."""


def _now() -> datetime:
    return datetime.now().astimezone()


@dataclass
class Recall:
    """Finds utterances in the journal by id, says them again, tells their sources, rates them."""

    journal: Journal
    store: FeedbackStore
    say: Say
    on_feedback: FeedbackHook = ignore_feedback
    now: Callable[[], datetime] = _now
    # The zone `source` tells times in (the configured one); None: as journalled.
    tz: tzinfo | None = None

    def recent(self, n: int) -> list[Utterance]:
        """The last `n` utterances, newest first."""
        return [Utterance.from_run(run) for run in self.journal.utterances()[:n]]

    def find(self, uid: str | None) -> Utterance:
        """The utterance with id `uid` (any case), or the last one when None."""
        runs = self.journal.utterances()
        if not runs:
            raise FeedbackError("nothing has been said yet")
        if uid is None:
            return Utterance.from_run(runs[0])
        wanted = uid.strip().lower()
        for run in runs:
            if run.id == wanted:
                return Utterance.from_run(run)
        raise FeedbackError(f"no utterance with id {uid!r} (`assistant last` lists them)")

    def last(self, n: int) -> dict[str, Any]:
        """The control answer to `last`: the last `n` utterances, newest first."""
        return {"ok": True, "utterances": [u.to_json() for u in self.recent(n)]}

    def repeat(self, uid: str | None) -> dict[str, Any]:
        """Say an utterance again (default: the last)."""
        said = self.find(uid)
        self.say(said.text, said.skill)
        return {"ok": True, "id": said.id, "text": said.text}

    def source(self, uid: str | None) -> dict[str, Any]:
        """Say where an utterance came from, and return that with its source records."""
        said = self.find(uid)
        text = source_sentence(said, self.tz)
        self.say(text, said.skill)
        return {
            "ok": True,
            "id": said.id,
            "text": text,
            "sources": [s.to_json() for s in said.sources],
        }

    def feedback(self, verdict: str, uid: str | None, note: str = "") -> dict[str, Any]:
        """Store a rating of an utterance (default: the last), then hand it to the hook; the
        rating is on disk before the hook runs, and a failing hook does not undo it."""
        said = self.find(uid)
        self.store.add(said, verdict, note, self.now().isoformat(timespec="seconds"))
        try:
            self.on_feedback(said, verdict, note)
        except Exception:  # the rating is stored; what learns from it may try again later
            log.exception("learning from the rating of %s failed", said.id)
        return {"ok": True, "id": said.id, "verdict": verdict}

    def said(self, text: str, started: datetime) -> str:
        """Journal a text spoken with `say` as an utterance; return its id."""
        uid = self.journal.new_id()
        at = started.isoformat(timespec="seconds")
        self.journal.record(RunRecord(skill=SAY, started=at, outcome="ok", text=text, id=uid))
        return uid
