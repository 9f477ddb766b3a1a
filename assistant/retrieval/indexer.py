"""Bring the store up to date with notes on disk and the headline archive."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.retrieval.chunking import Chunk, chunk_text
from assistant.retrieval.docstore import FileRow, NewChunk
from assistant.retrieval.notes import NOTE_SUFFIXES, find_notes, known_gone, read_note
from assistant.retrieval.store import Progress, Store

log = logging.getLogger(__name__)
ARCHIVE_KEY = "news:archive"
HEADLINE_MAX_CHARS = 300
CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class IndexReport:
    """What one `index` run changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    headlines: int | None = None
    generation: str | None = None
    chunks: int = 0


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sync_note(store: Store, path: Path, known: FileRow | None, report: IndexReport) -> None:
    """Re-chunk one note if its mtime/size changed and its bytes did too."""
    try:
        st = os.lstat(path)
        if known and (known.mtime_ns, known.size) == (st.st_mtime_ns, st.st_size):
            report.unchanged += 1
            return
        st, data = read_note(path, store.section.max_note_mb * 1024 * 1024)
    except OSError as exc:
        report.skipped.append(f"{path}: {exc.strerror or exc}")
        return
    except ValueError as exc:
        report.skipped.append(f"{path}: {exc}")
        return
    row = FileRow(str(path), "note", st.st_mtime_ns, st.st_size, _sha256(data))
    if known and known.sha256 == row.sha256:
        store.docs.replace_file(row, [], same_text=True)
        report.unchanged += 1
        return
    text = data.decode("utf-8", errors="replace")
    markdown = NOTE_SUFFIXES.get(path.suffix.lower(), False)
    chunks = chunk_text(text, markdown=markdown, max_chars=store.section.chunk_max_chars)
    store.docs.replace_file(row, [NewChunk(str(path), c) for c in chunks])
    (report.updated if known else report.added).append(str(path))


def _headline_chunks(data: bytes) -> list[NewChunk]:
    """One chunk per well-formed archive line: the (capped, plain) title, cited by its link."""
    seen: set[str] = set()
    out: list[NewChunk] = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
            title = CONTROL.sub(" ", str(item["title"])).strip()[:HEADLINE_MAX_CHARS]
            link = str(item.get("link") or "")
            source = CONTROL.sub(" ", str(item.get("source") or "news")).strip()[:80]
        except (ValueError, KeyError, TypeError):
            continue
        key = link or title
        if not title or key in seen:
            continue
        seen.add(key)
        out.append(NewChunk(link or f"news:{source}", Chunk(source, title, len(out))))
    return out


def sync_headlines(store: Store, archive: Path, report: IndexReport) -> None:
    """Index the news archive (one JSON object a line) as one catalogue entry."""
    known = store.docs.files().get(ARCHIVE_KEY)
    try:
        data = archive.read_bytes()
        st = archive.stat()
    except FileNotFoundError:
        if known:
            store.docs.remove_files([ARCHIVE_KEY])
            report.removed.append(ARCHIVE_KEY)
        return
    except OSError as exc:
        report.skipped.append(f"{archive}: {exc.strerror or exc}")
        return
    row = FileRow(ARCHIVE_KEY, "headline", st.st_mtime_ns, st.st_size, _sha256(data))
    if known and known.sha256 == row.sha256:
        return
    chunks = _headline_chunks(data)
    store.docs.replace_file(row, chunks)
    report.headlines = len(chunks)


def index_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    archive: Path | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Add new and changed notes, forget deleted ones; write a generation if anything changed."""
    report = IndexReport()
    scan = find_notes(paths)
    report.skipped.extend(scan.skipped)
    with store.writing():
        known = store.docs.files()
        for path in sorted(scan.notes):
            _sync_note(store, path, known.get(str(path)), report)
        # A note in a folder we could not read is not known to be gone: it stays.
        gone = [p for p, r in known.items() if r.kind == "note" and known_gone(Path(p), scan)]
        if gone:
            store.docs.remove_files(gone)
            report.removed.extend(gone)
        if archive is not None:
            sync_headlines(store, archive, report)
        changed = report.added or report.updated or report.removed or report.headlines is not None
        if changed or store.is_stale() or store.generation is None:
            report.generation = store.rebuild(progress)
        else:
            report.generation = store.generation
    report.chunks = store.index.size
    return report


def index_headline_archive(store: Store, archive: Path) -> IndexReport:
    """For the news skills: index the archive now (nothing else is rescanned)."""
    return index_paths(store, [], archive=archive)
