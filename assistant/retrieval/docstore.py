"""Documents and their chunks (with cached vectors) in SQLite, in WAL mode."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.chunking import Chunk
from assistant.retrieval.errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, kind TEXT NOT NULL, mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, path TEXT NOT NULL,
    kind TEXT NOT NULL,
    heading TEXT NOT NULL, text TEXT NOT NULL, ordinal INTEGER NOT NULL, vector BLOB
);
CREATE INDEX IF NOT EXISTS chunks_origin ON chunks(origin);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Catalogues from before the meta table hold vectors of the only embedder there was.
FIRST_EMBEDDER = "minilm"


@dataclass(frozen=True)
class FileRow:
    """What the store knows of an indexed file."""

    path: str
    kind: str
    mtime_ns: int
    size: int
    sha256: str


@dataclass(frozen=True)
class NewChunk:
    """A chunk to store: what to cite (`path`: a file, or a headline's link) and its text."""

    path: str
    chunk: Chunk


@dataclass(frozen=True)
class ChunkRow:
    """One stored chunk."""

    id: int
    path: str
    kind: str
    heading: str
    text: str


class DamagedStoreError(StoreError):
    """SQLite itself says the catalogue is corrupt or not a database (not: read-only, denied)."""


# SQLITE_CORRUPT and SQLITE_NOTADB: the only primary codes that mean the file is bad.
_DAMAGE_CODES = {11, 26}


def _is_damage(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES


class DocStore:
    """The SQLite catalogue of files and chunks; one writer at a time (the caller locks)."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        try:
            # Autocommit mode: transactions are begun and ended explicitly by _Transaction.
            # Read-only: "immutable" because a read-only folder cannot hold WAL's -shm file.
            target = f"file:{path}?immutable=1" if read_only else str(path)
            self._db = sqlite3.connect(
                target, timeout=30, check_same_thread=False, isolation_level=None, uri=read_only
            )
            if not read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
            ok = self._db.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise DamagedStoreError(f"{path}: the document store is damaged: {ok}")
            if not read_only:
                self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            kind = DamagedStoreError if _is_damage(exc) else StoreError
            raise kind(f"{path}: the document store is unreadable: {exc}") from exc

    def files(self) -> dict[str, FileRow]:
        """Every indexed file by path."""
        rows = self._query("SELECT path, kind, mtime_ns, size, sha256 FROM files")
        return {r[0]: FileRow(*r) for r in rows}

    def replace_file(
        self, row: FileRow, chunks: Sequence[NewChunk], *, same_text: bool = False
    ) -> None:
        """Replace a file's chunks in one transaction (only its row when `same_text`).

        Vectors are left empty: the next rebuild embeds and caches them.
        """
        values = [
            (row.path, c.path, row.kind, c.chunk.heading, c.chunk.text, c.chunk.ordinal)
            for c in chunks
        ]
        with self._write() as db:
            if not same_text:
                db.execute("DELETE FROM chunks WHERE origin = ?", (row.path,))
                db.executemany(
                    "INSERT INTO chunks (origin, path, kind, heading, text, ordinal)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    values,
                )
            db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                (row.path, row.kind, row.mtime_ns, row.size, row.sha256),
            )

    def remove_files(self, paths: Iterable[str]) -> None:
        """Forget files and their chunks."""
        with self._write() as db:
            for path in paths:
                db.execute("DELETE FROM chunks WHERE origin = ?", (path,))
                db.execute("DELETE FROM files WHERE path = ?", (path,))

    def all_chunks(self) -> list[tuple[int, str, bytes | None]]:
        """(id, heading + text, vector blob or None) of every chunk, by id."""
        rows = self._query("SELECT id, heading, text, vector FROM chunks ORDER BY id")
        return [(r[0], f"{r[1]}\n{r[2]}".strip(), r[3]) for r in rows]

    def set_vectors(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Cache vectors of chunks that had none."""
        with self._write() as db:
            db.executemany(
                "UPDATE chunks SET vector = ? WHERE id = ?",
                [
                    (np.asarray(v, np.float32).tobytes(), i)
                    for i, v in zip(ids, vectors, strict=True)
                ],
            )

    def claim_vectors(self, identity: str) -> bool:
        """Mark cached vectors as `identity`'s, dropping another embedder's; True if dropped."""
        rows = self._query("SELECT value FROM meta WHERE key = 'embedder'")
        owner = rows[0][0] if rows else FIRST_EMBEDDER
        if rows and owner == identity:
            return False
        with self._write() as db:
            if owner != identity:
                db.execute("UPDATE chunks SET vector = NULL")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('embedder', ?)", (identity,))
        return owner != identity

    def get_chunks(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        """The chunks with these ids that still exist."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT id, path, kind, heading, text FROM chunks WHERE id IN ({marks})", list(ids)
        )
        return {r[0]: ChunkRow(*r) for r in rows}

    def get_vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The cached vectors of these chunks (chunks without one are left out)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT id, vector FROM chunks WHERE id IN ({marks}) AND vector IS NOT NULL",
            list(ids),
        )
        return {r[0]: np.frombuffer(r[1], np.float32) for r in rows}

    def count(self) -> int:
        """The number of chunks."""
        return int(self._query("SELECT count(*) FROM chunks")[0][0])

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        try:
            return list(self._db.execute(sql, params).fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the document store: {exc}") from exc

    def _write(self) -> _Transaction:
        return _Transaction(self._db, self.path)

    def close(self) -> None:
        """Close the database."""
        self._db.close()


class _Transaction:
    """A write transaction whose sqlite3 errors become StoreError (disk full, read-only)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            try:
                self._db.execute("COMMIT")
                return
            except sqlite3.Error as failure:
                exc = failure
        # The transaction may already be gone; the original error is what matters.
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{self._path}: cannot write the document store: {exc}") from exc
