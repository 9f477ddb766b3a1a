"""The run journal: what each skill said, from which sources, and how long it took."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MAX_BYTES = 1024 * 1024
# Utterance ids: Crockford's base32 (no i, l, o, u: nothing to misread), six of them.
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 6
# Utterances kept in memory when the journal has no file (tests, a read-only state dir).
MEMORY = 500


@dataclass(frozen=True)
class RunRecord:
    """One run of one skill."""

    skill: str
    started: str
    outcome: str  # "ok", "error", "timeout", "busy", "stopped"
    text: str = ""
    error: str = ""
    sources: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # Scheduled runs: when the run was due, when its reply was ready (prepared or not), when
    # its first audio was ready, and how late that was (first audio minus scheduled time).
    scheduled: str = ""
    ready: str = ""
    first_audio: str = ""
    lateness_ms: float | None = None
    # True when the reply was prepared ahead of the scheduled time.
    precomputed: bool = False
    # An utterance (a run that said something, or a `say`): its id for `repeat`, `source` and
    # `feedback`; the model-written part and what the model was given for it; where it came
    # from (title, link, feed, or path and heading); the model, the judges' soft scores and
    # how many candidates were sampled. Lines written before these fields load with defaults.
    id: str = ""
    written: str = ""
    input: str = ""
    cited: list[dict[str, str]] = field(default_factory=list)
    model: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    attempts: int = 0
    # When the model wrote several pieces (a headline's rhyme each): each {"input", "written"}.
    pieces: list[dict[str, str]] = field(default_factory=list)

    @property
    def time(self) -> str:
        """When it was heard (first audio), else when the run started."""
        return self.first_audio or self.started

    # True when the scheduled second came before the prepared reply was complete, so the parts
    # ready were spoken then and the rest as it was made.
    streamed: bool = False


_TYPES: dict[str, type | tuple[type, ...]] = {
    "skill": str,
    "started": str,
    "outcome": str,
    "text": str,
    "error": str,
    "sources": list,
    "timings": dict,
    "scheduled": str,
    "ready": str,
    "first_audio": str,
    "lateness_ms": (int, float, type(None)),
    "precomputed": bool,
    "id": str,
    "written": str,
    "input": str,
    "cited": list,
    "model": str,
    "scores": dict,
    "attempts": int,
    "pieces": list,
    "streamed": bool,
}


def parse_record(line: str) -> RunRecord | None:
    """One journal line as a RunRecord; None unless it is an object with the right fields."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(row, dict):
        return None
    fields = {k: v for k, v in row.items() if k in _TYPES}
    if any(not isinstance(v, _TYPES[k]) for k, v in fields.items()):
        return None
    if not {"skill", "started", "outcome"} <= fields.keys():
        return None
    for key in ("cited", "pieces"):  # an item that is not a table is dropped, not the line
        if key in fields:
            fields[key] = [_strings(c) for c in fields[key] if isinstance(c, dict)]
    if "scores" in fields:
        fields["scores"] = {
            k: float(v)
            for k, v in fields["scores"].items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
    return RunRecord(**fields)


def _parse(data: bytes) -> list[RunRecord]:
    """The runs in some journal lines (a line cut short by a crash, or not ours: skipped)."""
    text = data.decode("utf-8", errors="replace")
    return [run for line in text.splitlines() if (run := parse_record(line)) is not None]


def _strings(row: dict[str, Any]) -> dict[str, str]:
    """The string fields of a table."""
    return {k: v for k, v in row.items() if isinstance(v, str)}


class Journal:
    """Keeps the last run of each skill in memory and appends every run to a JSONL file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.last: dict[str, RunRecord] = {}
        self._lock = threading.Lock()
        self._warned = False
        self._memory: list[RunRecord] = []
        # Per file: its inode, how many bytes are parsed, and the runs in them.
        self._parsed: dict[Path, tuple[int, int, list[RunRecord]]] = {}
        self._ids: set[str] | None = None

    def load_last(self) -> None:
        """Fill `last` from the file, so that status after a restart knows earlier runs."""
        if self.path is None:
            return
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        with self._lock:
            for line in lines:
                run = parse_record(line)
                if run is not None:  # a line cut short by a crash, or not ours: skipped
                    self.last[run.skill] = run

    def recent(self, skill: str, limit: int = 20) -> list[RunRecord]:
        """The last `limit` runs of `skill` from the file (oldest first), for estimates."""
        return [run for run in self._read() if run.skill == skill][-limit:]

    def utterances(self) -> list[RunRecord]:
        """Every utterance the journal holds (both files; any process may have written them),
        newest first."""
        if self.path is None:
            with self._lock:
                return self._memory[::-1]
        return [run for run in self._read() if run.id][::-1]

    def new_id(self) -> str:
        """A short id no utterance in the journal has yet."""
        with self._lock:
            if self._ids is None:
                self._ids = {run.id for run in self._read() if run.id}
            while True:
                found = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
                if found not in self._ids:
                    self._ids.add(found)
                    return found

    def _read(self) -> list[RunRecord]:
        """Every readable run in the rotated file, then the current one (oldest first)."""
        if self.path is None:
            return []
        runs: list[RunRecord] = []
        for path in (self.path.with_suffix(".jsonl.1"), self.path):
            try:
                runs += self._runs_of(path)
            except OSError:
                continue
        return runs

    def _runs_of(self, path: Path) -> list[RunRecord]:
        """The runs of one file. Front ends poll `last`, and a full file takes a quarter of a
        second to parse: the file only grows (rotation puts a new one in its place), so each
        read parses only the complete lines appended since the last one."""
        with path.open("rb") as f:
            stat = os.fstat(f.fileno())
            known = self._parsed.get(path)
            done: int = 0
            runs: list[RunRecord] = []
            if known is not None and known[0] == stat.st_ino and known[1] <= stat.st_size:
                _ino, done, runs = known
            f.seek(done)
            tail = f.read()
        end = tail.rfind(b"\n") + 1
        if end:
            runs = runs + _parse(tail[:end])
            self._parsed[path] = (stat.st_ino, done + end, runs)
        return runs + _parse(tail[end:])  # a last line without its newline yet

    def latest(self) -> dict[str, RunRecord]:
        """A copy of the last run of each skill."""
        with self._lock:
            return dict(self.last)

    def record(self, run: RunRecord) -> None:
        """Remember `run`; a failing disk is logged once and never stops the daemon."""
        with self._lock:
            self.last[run.skill] = run
            if self.path is None:
                if run.id:
                    self._memory = [*self._memory, run][-MEMORY:]
                return
            try:
                self._append(asdict(run))
            except OSError as exc:
                if not self._warned:
                    log.error("cannot write the run journal %s: %s", self.path, exc)
                    self._warned = True

    def _append(self, row: dict[str, Any]) -> None:
        """Append one line, rotating the file to `.1` past MAX_BYTES."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > MAX_BYTES:
            self.path.replace(self.path.with_suffix(".jsonl.1"))
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        with self.path.open("ab+") as f:
            size = f.seek(0, os.SEEK_END)
            if size:
                # A line cut short by a crash would swallow this one: end it first.
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    line = b"\n" + line
            f.write(line)
