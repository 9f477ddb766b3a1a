"""Utterances: what was said, under a short id, and the sentence telling where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from assistant.journal import RunRecord
from assistant.llm.contract import Outcome
from assistant.skill import Reply, Source

# The skill name of a text spoken with `assistant say` (through the daemon).
SAY = "say"
# The keys of an utterance record, in the order the control socket gives them.
KEYS = ("id", "skill", "time", "text", "written", "input", "sources", "model", "scores", "attempts")
# Sources named in the spoken `source` sentence; the answer's "sources" lists them all.
MAX_TOLD = 3


@dataclass(frozen=True)
class Utterance:
    """One thing the assistant said, as `last` lists it and feedback rates it."""

    id: str
    skill: str
    time: str
    text: str
    written: str = ""
    input: str = ""
    sources: list[Source] = field(default_factory=list)
    model: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    attempts: int = 0
    # Each piece the model wrote and what it was given for it, as (input, written) pairs: one
    # per headline of a seuss-news run (`written` and `input` join them line by line).
    pieces: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_run(cls, run: RunRecord) -> Utterance:
        """The utterance a journal entry records."""
        same = {key: getattr(run, key) for key in KEYS if key != "sources"}
        pieces = [(p.get("input", ""), p.get("written", "")) for p in run.pieces]
        if not pieces and run.written:
            pieces = [(run.input, run.written)]
        return cls(**same, sources=[_source(row) for row in run.cited], pieces=pieces)

    def to_json(self) -> dict[str, Any]:
        """The public utterance record (the control socket's "U")."""
        record = {key: getattr(self, key) for key in KEYS}
        return record | {"sources": [s.to_json() for s in self.sources]}


def _source(row: dict[str, str]) -> Source:
    """A journalled source record (unknown keys ignored)."""
    keys = ("title", "link", "feed", "path", "heading", "text")
    return Source(**{k: row[k] for k in keys if k in row})


def said_fields(reply: Reply, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The journal fields of a reply besides its text: its sources as records, and what the
    model wrote for it (several checked generations, as in a briefing, are joined line by line;
    their attempts add up and their scores are averaged)."""
    cited = reply.cited or [Source(link=link) for link in reply.sources]
    kept = [o for o in outcomes if not o.fallback and o.text]
    scores: dict[str, list[float]] = {}
    for outcome in kept:
        for name, value in outcome.scores.items():
            scores.setdefault(name, []).append(value)
    return {
        "cited": [_record(s) for s in cited],
        "written": "\n".join(o.text for o in kept),
        "input": "\n".join(o.input for o in kept),
        "model": next((o.model for o in outcomes if o.model), ""),
        "scores": {k: round(sum(v) / len(v), 4) for k, v in scores.items()},
        "attempts": sum(o.attempts for o in outcomes),
        "pieces": [{"input": o.input, "written": o.text} for o in kept] if len(kept) > 1 else [],
    }


def _record(source: Source) -> dict[str, str]:
    """A source as the journal keeps it: the public record, and the passage when there is one."""
    row = source.to_json()
    if source.text:
        row["text"] = source.text
    return row


def source_sentence(utterance: Utterance, tz: tzinfo | None = None) -> str:
    """Where it came from, to be spoken: "That was from the BBC, 'Library extends opening
    hours', at 07:31" (the time in `tz`, else as journalled)."""
    at = _clock_time(utterance.time, tz)
    if utterance.skill == SAY:
        return f"That was a text I was given to say, at {at}"
    told = [_told(s) for s in utterance.sources]
    told = [t for t in told if t]
    if not told:
        return f"That was the {utterance.skill} skill's own words, from no feed or note, at {at}"
    more = len(told) - MAX_TOLD
    said = ", and from ".join(told[:MAX_TOLD])
    if more > 0:
        said += f", and {more} more"
    return f"That was from {said}, at {at}"


def _told(source: Source) -> str:
    """One source as said: the feed and the headline, or the note and its heading."""
    if source.path:
        note = f"your note {PurePath(source.path).stem}"
        return f"{note}, '{source.heading}'" if source.heading else note
    if source.title:
        return f"{source.feed}, '{source.title}'" if source.feed else f"'{source.title}'"
    if source.link:
        return urlsplit(source.link).hostname or source.link
    return source.feed


def _clock_time(moment: str, tz: tzinfo | None) -> str:
    """The hour and minute of an ISO 8601 time ("07:31") in `tz` (None: as written)."""
    try:
        when = datetime.fromisoformat(moment)
    except ValueError:
        return "an unknown time"
    if tz is not None and when.tzinfo is not None:
        when = when.astimezone(tz)
    return when.strftime("%H:%M")
