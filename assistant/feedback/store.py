"""Ratings of what the assistant said, in SQLite in the state dir, on disk when `add` returns.

WAL with synchronous=FULL: each rating's commit is synced to the write-ahead log before `add`
returns, so a `kill -9` (or a power cut) right after loses nothing. Each rating keeps a copy
of the utterance it rates, so it stands alone once the run journal has rotated.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.feedback.utterance import Utterance

FILE = "feedback.sqlite"
VERDICTS = ("good", "bad")
# The skill whose sources are notes: its ratings become (query, passage) pairs.
ASK = "ask"
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, id TEXT NOT NULL,
    skill TEXT NOT NULL, verdict TEXT NOT NULL CHECK (verdict IN ('good', 'bad')),
    note TEXT NOT NULL, utterance TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ask_pairs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    feedback INTEGER NOT NULL REFERENCES feedback(seq) ON DELETE CASCADE,
    query TEXT NOT NULL, path TEXT NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL,
    verdict TEXT NOT NULL
);
"""


class FeedbackError(AssistantError):
    """A rating could not be given: no such utterance, a bad verdict, an unwritable store."""


@dataclass(frozen=True)
class AskPair:
    """One rated `ask` answer's source: the question, the note passage, and the verdict."""

    query: str
    path: str
    heading: str
    text: str
    good: bool

    @property
    def note(self) -> str:
        """The note's id: its path and heading ("garden.md#Tomatoes")."""
        return f"{self.path}#{self.heading}" if self.heading else self.path


class FeedbackStore:
    """The ratings; opened on first use, safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def add(self, utterance: Utterance, verdict: str, note: str, at: str) -> int:
        """Store a rating of `utterance` (and its question-passage pairs when it is an `ask`
        answer); return its number. Durable when it returns."""
        if verdict not in VERDICTS:
            raise FeedbackError(f"verdict must be good or bad, not {verdict!r}")
        row = (at, utterance.id, utterance.skill, verdict, note, json.dumps(utterance.to_json()))
        pairs = _pairs(utterance, verdict)
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO feedback (at, id, skill, verdict, note, utterance)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            seq = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO ask_pairs (feedback, query, path, heading, text, verdict)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(seq, *pair) for pair in pairs],
            )
        return seq

    def export(self) -> list[dict[str, Any]]:
        """Every rating, oldest first: `at`, `id`, `skill`, `verdict`, `note`, `utterance`."""
        keys = ("at", "id", "skill", "verdict", "note")
        rows = self._read(f"SELECT {', '.join(keys)}, utterance FROM feedback ORDER BY seq")
        return [
            {**dict(zip(keys, row[:5], strict=True)), "utterance": json.loads(row[5])}
            for row in rows
        ]

    def ask_pairs(self) -> list[AskPair]:
        """Rated (question, note passage) pairs of `ask` answers, oldest first, for tuning
        retrieval on what the user found right or wrong."""
        rows = self._read("SELECT query, path, heading, text, verdict FROM ask_pairs ORDER BY seq")
        return [AskPair(q, p, h, t, v == "good") for q, p, h, t, v in rows]

    def close(self) -> None:
        """Close the database (it opens again on the next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connect(self) -> sqlite3.Connection:
        """The open database, made with its tables on first use."""
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
            self._db = db
        return self._db

    def _read(self, sql: str) -> list[Any]:
        """Rows of a query; an unreadable store is a FeedbackError naming the file."""
        if not self.path.exists():
            return []
        with self._lock:
            try:
                return self._connect().execute(sql).fetchall()
            except sqlite3.Error as exc:
                raise FeedbackError(f"{self.path}: cannot read the feedback: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; sqlite3 errors become FeedbackError."""
        with self._lock:
            try:
                db = self._connect()
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                    db.execute("COMMIT")
                except BaseException:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                    raise
            except (OSError, sqlite3.Error) as exc:
                raise FeedbackError(f"{self.path}: cannot write the feedback: {exc}") from exc


def _pairs(utterance: Utterance, verdict: str) -> list[tuple[str, str, str, str, str]]:
    """The (question, path, heading, passage, verdict) rows of a rated `ask` answer."""
    if utterance.skill != ASK:
        return []
    return [
        (utterance.input, s.path, s.heading, s.text, verdict) for s in utterance.sources if s.path
    ]
