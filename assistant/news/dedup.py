"""Near-duplicate headlines: the same story from two feeds, or told again tomorrow."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.news.headline import Headline

WORD = re.compile(r"[^\W_]+")
_STOP = "a an the and or but of to in on at for with by from as is are was were be been it its"
STOPWORDS = frozenset([*_STOP.split(), "this", "that", "these", "those", "after", "before"])
THRESHOLD = 0.6


def fingerprint(title: str) -> frozenset[str]:
    """The content words of a title, lower-case, without stop words."""
    words = {w.casefold() for w in WORD.findall(title)}
    content = words - STOPWORDS
    return frozenset(content or words)


def similar(a: frozenset[str], b: frozenset[str], threshold: float = THRESHOLD) -> bool:
    """True when two fingerprints share most of their words (Jaccard >= threshold)."""
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= threshold


def seen_before(print_: frozenset[str], seen: Iterable[frozenset[str]]) -> bool:
    """True when `print_` is a near-duplicate of any fingerprint in `seen`."""
    return any(similar(print_, other) for other in seen)


def dedupe(headlines: Sequence[Headline], seen: Iterable[frozenset[str]] = ()) -> list[Headline]:
    """Keep the first of each group of near-duplicates, and nothing near one in `seen`."""
    kept: list[Headline] = []
    prints = list(seen)
    for headline in headlines:
        current = fingerprint(headline.title)
        if not seen_before(current, prints):
            kept.append(headline)
            prints.append(current)
    return kept
