"""Split Markdown and text into chunks by headings and paragraphs, keeping the heading path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
BLANK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: its heading path ("A > B"), its text and its position."""

    heading: str
    text: str
    ordinal: int


def _sections(text: str) -> list[tuple[str, str]]:
    """Split Markdown into (heading path, body) pairs; headings inside code fences are text."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, str]] = []
    body: list[str] = []
    in_fence = False

    def flush() -> None:
        joined = "\n".join(body).strip()
        if joined:
            sections.append((" > ".join(title for _, title in path), joined))
        body.clear()

    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        found = None if in_fence else HEADING.match(line)
        if found is None:
            body.append(line)
            continue
        flush()
        level = len(found.group(1))
        path = [(lvl, title) for lvl, title in path if lvl < level]
        path.append((level, found.group(2).strip()))
    flush()
    return sections


def _pack(parts: Iterable[str], sep: str, max_chars: int) -> list[str]:
    """Join consecutive parts with `sep` into pieces of at most `max_chars` (a longer part
    stays whole)."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(sep) + len(part) > max_chars:
            pieces.append(current)
            current = part
        else:
            current = f"{current}{sep}{part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _pieces(body: str, max_chars: int) -> list[str]:
    """Group paragraphs into pieces of at most `max_chars`; split a longer paragraph by words."""
    paras = (p for p in (p.strip() for p in BLANK.split(body)) if p)
    parts = (part for para in paras for part in _split_long(para, max_chars))
    return _pack(parts, "\n\n", max_chars)


def _split_long(para: str, max_chars: int) -> list[str]:
    return [para] if len(para) <= max_chars else _pack(para.split(), " ", max_chars)


def chunk_text(text: str, *, markdown: bool, max_chars: int = 1200) -> list[Chunk]:
    """Chunk a document: by heading (Markdown only), then by paragraph up to `max_chars`."""
    sections = _sections(text) if markdown else [("", text)]
    chunks: list[Chunk] = []
    for heading, body in sections:
        for piece in _pieces(body, max_chars):
            chunks.append(Chunk(heading=heading, text=piece, ordinal=len(chunks)))
    return chunks
