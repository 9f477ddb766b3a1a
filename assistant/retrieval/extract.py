"""The extractive side of `ask`: the chunk's sentence that best answers, and scaffolding removal."""

from __future__ import annotations

import re

from assistant.retrieval.asked import bounded, holds_kind, wanted_kind
from assistant.retrieval.sparse import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9£\"'(])")
_MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
# What the prompt wraps notes in, and what a small model copies from it into its answer.
_SCAFFOLD = [
    re.compile(r"\[\s*\d+\s*\]"),  # [4]
    re.compile(r"\((?:from )?(?:your notes on|the headlines from|headline,)[^)]*\)", re.I),
    re.compile(r"\b(?:from |in |according to )?your notes on [^:.,;]*[:,]?\s*", re.I),
    re.compile(r"^\s*(?:notes?|question|answer|source|context)\s*:\s*", re.I | re.M),
]


def sentences(text: str) -> list[str]:
    """The chunk's lines and sentences, without list markers or emphasis marks."""
    out: list[str] = []
    for raw in text.splitlines():
        line = _EMPHASIS.sub("", _MARKUP.sub("", raw)).strip()
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def best_sentence(
    question: str, heading: str, text: str, weights: dict[str, float] | None = None
) -> str:
    """The chunk's sentence that best answers the question (`best_of` over its sentences)."""
    options = sentences(text)
    return best_of(question, heading, options, weights) if options else " ".join(text.split())


def best_of(
    question: str, heading: str, options: list[str], weights: dict[str, float] | None = None
) -> str:
    """The sentence holding most of the question's words (weighted by `weights`, e.g. IDF)
    that the heading does not already hold (it covers every sentence under it), among those
    that hold the kind of answer the question asks for (a date for "when", an amount for
    "how much": `assistant.retrieval.asked`) when any does; ties go to the earliest. A
    sentence holding the asked end of a span ("14:00 to 16:00" for "start") holds its word.
    `options` must not be empty."""
    asked = set(tokenize([question])[0])
    left = asked - set(tokenize([heading])[0]) or asked
    words = tokenize(options)
    kind = wanted_kind(question)

    def rank(n: int) -> tuple[bool, float, int]:
        found = set(words[n]) | {t for t in asked if bounded(t, options[n])}
        score = sum((weights or {}).get(t, 1.0) for t in left & found)
        score += 0.5 * sum((weights or {}).get(t, 1.0) for t in (asked - left) & found)
        return (holds_kind(kind, options[n]), score, -n)

    return options[max(range(len(options)), key=rank)]


def strip_scaffolding(text: str) -> str:
    """The answer without prompt scaffolding: bracketed note numbers, "your notes on ...",
    and "Answer:"-style labels."""
    for pattern in _SCAFFOLD:
        text = pattern.sub(" ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))
    return text.strip(" :;,-")


def has_scaffolding(text: str) -> bool:
    """True when prompt scaffolding is still in `text` (after stripping, it must not be)."""
    return any(p.search(text) for p in _SCAFFOLD) or "[" in text or "]" in text
