"""Untrusted feed text -> plain, short, speakable text; links -> http(s) or nothing."""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

# Blocks whose content is never text a person should hear.
HIDDEN = re.compile(r"<(script|style|head|template)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^<>]*>")
COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
SPACE = re.compile(r"\s+")
# Control, format (zero-width, bidi overrides, BOM, soft hyphen), surrogate, private-use and
# unassigned code points: none of them is something to say, several can disguise text.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp"})
MAX_LINK = 2000
ELLIPSIS = "..."


def strip_markup(text: str) -> str:
    """Remove comments, tags and hidden blocks; decode entities (twice: feeds double-escape)."""
    for _ in range(2):
        text = COMMENT.sub(" ", text)
        text = HIDDEN.sub(" ", text)
        text = TAG.sub(" ", text)
        text = html.unescape(text)
    # Whatever still looks like markup after two rounds is dropped, not spoken.
    return TAG.sub(" ", text).replace("<", " ").replace(">", " ")


def _visible(text: str) -> str:
    """Keep only characters that are visible text; every kind of space becomes a plain one."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r" or category in SEPARATOR_CATEGORIES:
            kept.append(" ")
        elif category not in DROPPED_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def plain_chars(text: str) -> str:
    """NFKC-normalise and keep only visible characters and plain spaces.

    Hidden characters go first: a zero-width joiner between a letter and an accent would
    otherwise stop NFKC from composing them.
    """
    return _visible(unicodedata.normalize("NFKC", _visible(text)))


def cap(text: str, max_chars: int) -> str:
    """Shorten to at most `max_chars`, at a word boundary when there is one."""
    if len(text) <= max_chars:
        return text
    if max_chars < len(ELLIPSIS):  # no room for the ellipsis itself
        return text[:max_chars].rstrip()
    room = max(0, max_chars - len(ELLIPSIS))
    cut = text[:room]
    space = cut.rfind(" ")
    if space > room // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def clean_text(raw: object, max_chars: int) -> str:
    """Plain text from untrusted input: no markup, entities decoded, NFKC, no hidden characters,
    whitespace collapsed, at most `max_chars` characters."""
    if not isinstance(raw, str) or max_chars <= 0:
        return ""
    # Cap early too, so that a 2 MB title costs no more than a short one. NFKC comes before
    # the markup is stripped as well: fullwidth "＜script＞" is "<script>" once normalised.
    text = unicodedata.normalize("NFKC", raw[: max_chars * 20])
    text = plain_chars(strip_markup(text))
    # Entities decoded last may still have produced a bracket; it is never spoken.
    text = text.replace("<", " ").replace(">", " ")
    return cap(SPACE.sub(" ", text).strip(), max_chars)


def clean_link(raw: object) -> str | None:
    """An absolute http(s) link without spaces or control characters, else None."""
    if not isinstance(raw, str):
        return None
    link = raw.strip()
    if not link or len(link) > MAX_LINK or any(c.isspace() for c in link):
        return None
    if any(unicodedata.category(c) in DROPPED_CATEGORIES for c in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return link
