"""Splitting a stream of text into sentences, each handed out as soon as it is complete.

A sentence ends at a line break, or at `.`, `!`, `?`, `...` or `…` (with any closing quotes or
brackets) followed by white space, unless what follows shows it goes on: a lowercase word,
a name after a title (`Dr. Smith`), the word after `e.g.`, a number after `No.`, an initial
(`J. Smith`), a list marker (`1. Boil`). A decimal (`3.5`) or a time (`7:30`) has no space
after its dot or colon.
The decision waits for the first character after the space, so feeding the text in any pieces
gives the same sentences as feeding it whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_CHARS = 300
_BOUNDARY = re.compile(r"(?P<term>[.!?…]+)(?P<close>[\"'”’»)\]]*)(?P<space>\s+)|(?P<nl>\n)")
_OPENERS = "\"'“‘«([*_"
# After these a dot never ends a sentence.
_TITLES = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "mt", "sr", "jr", "rev", "hon", "gen", "capt", "lt"}
    | {"col", "sgt", "gov", "sen", "rep", "fr", "e.g", "i.e", "vs", "cf", "viz", "approx", "ca"}
)
# After these a dot followed by a number does not end a sentence ("No. 5", "p. 12").
_BEFORE_NUMBERS = frozenset({"no", "nos", "nr", "p", "pp", "vol", "fig", "ch", "sec", "art"})
_SOFT_BREAK = re.compile(r"[,;:]\s")


@dataclass(frozen=True)
class _Cut:
    """A sentence end, decided or pending: this one stops at `stop`, the next starts at `next`."""

    stop: int
    next: int
    pending: bool = False


def _word_before(text: str, end: int, floor: int) -> str:
    """The word just before index `end` (not before `floor`), without opening quotes, lowercased."""
    start = end
    while start > floor and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_OPENERS).lower()


def _ends(text: str, m: re.Match[str], follower: str, floor: int) -> bool:
    """Does the terminator in `m`, followed by the character `follower`, end a sentence?"""
    if "\n" in m.group("space"):
        return True
    if follower.islower():
        return False
    term = m.group("term")
    if term != ".":
        return True  # ! ? runs and ellipses: only a lowercase word continues them
    word = _word_before(text, m.start("term"), floor)
    if word.isdigit() and not text[floor : m.start("term")].strip().removesuffix(word).strip():
        return False  # a list marker: "1. Boil the water."
    if word in _TITLES or (len(word) == 1 and word.isalpha() and follower.isupper()):
        return False
    return not (follower.isdigit() and word in _BEFORE_NUMBERS)


def _find_cut(text: str, start: int, final: bool) -> _Cut | None:
    """The first sentence end after `start`; pending when it depends on text not yet seen."""
    for m in _BOUNDARY.finditer(text, start):
        if m.group("nl") is not None:
            stop, nxt = m.start(), m.end()
        else:
            stop, nxt = m.start("space"), m.end()
            if nxt == len(text) and not final and "\n" not in m.group("space"):
                return _Cut(stop, nxt, pending=True)
            if nxt < len(text) and not _ends(text, m, text[nxt], start):
                continue
        if any(c.isalnum() for c in text[start:stop]):
            return _Cut(stop, nxt)
    return None


def _soft_cut(text: str, start: int, limit: int) -> _Cut:
    """Where to break a sentence longer than `limit`: a comma, else a space, else anywhere."""
    window = text[start : start + limit + 1]  # a space just after the limit is a fine cut
    breaks = list(_SOFT_BREAK.finditer(window))
    if breaks:
        at = start + breaks[-1].start() + 1
        return _Cut(at, at)
    space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
    at = start + space if space > 0 else start + limit
    return _Cut(at, at)


class SentenceSplitter:
    """Turns pieces of text into sentences; `feed` returns those that are complete."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        if max_chars < 2:
            raise ValueError("max_chars must be at least 2")
        self.max_chars = max_chars
        self._buf = ""

    def feed(self, piece: str) -> list[str]:
        """Add `piece`; return the sentences it completed."""
        self._buf += piece
        return self._take(final=False)

    def flush(self) -> list[str]:
        """The end of the text: return what is left as sentences."""
        out = self._take(final=True)
        rest = self._buf.strip()
        self._buf = ""
        return [*out, rest] if rest else out

    def _take(self, final: bool) -> list[str]:
        """Cut complete sentences off the front of the buffer."""
        out: list[str] = []
        start = 0
        while True:
            while start < len(self._buf) and self._buf[start].isspace():
                start += 1  # a sentence's length counts from its first word
            cut = _find_cut(self._buf, start, final)
            too_long = (cut.stop if cut else len(self._buf)) - start > self.max_chars
            if too_long:
                cut = _soft_cut(self._buf, start, self.max_chars)
            elif cut is None or cut.pending:
                break
            sentence = self._buf[start : cut.stop].strip()
            if sentence:
                out.append(sentence)
            start = cut.next
        self._buf = self._buf[start:]
        return out


def split_sentences(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """All the sentences of a whole text."""
    splitter = SentenceSplitter(max_chars)
    return [*splitter.feed(text), *splitter.flush()]


def stream_sentences(pieces: Iterable[str], max_chars: int = MAX_CHARS) -> Iterator[str]:
    """Yield each sentence of a stream of pieces as soon as it is complete."""
    splitter = SentenceSplitter(max_chars)
    for piece in pieces:
        yield from splitter.feed(piece)
    yield from splitter.flush()
