"""The extractive side of `ask`: the chunk's sentence that best answers, and scaffolding removal."""

from __future__ import annotations

import re

from assistant.retrieval.sparse import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9£\"'(])")
_MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_DIGIT = re.compile(r"\d")
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
    that the heading does not already hold (it covers every sentence under it), plus a
    bonus for holding what the question asks for (a date for "when", a number for "how
    much"); ties go to the earliest. `options` must not be empty."""
    asked = set(tokenize([question])[0])
    left = asked - set(tokenize([heading])[0]) or asked
    words = tokenize(options)
    wanted = _wanted(question)

    def rank(n: int) -> tuple[float, int]:
        found = set(words[n])
        score = sum((weights or {}).get(t, 1.0) for t in left & found)
        score += 0.5 * sum((weights or {}).get(t, 1.0) for t in (asked - left) & found)
        if wanted is not None and wanted.search(options[n]):
            score += 1.5
        return (score, -n)

    return options[max(range(len(options)), key=rank)]


_WHEN = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\b(?:every|each|weekly|monthly)\b",
    re.I,
)
_NAME = re.compile(r"(?<!^)(?<![.:] )\b[A-Z][a-z]+")
_WHERE = re.compile(r"\b(?:in|on|under|behind|by|at|next to)\b", re.I)


def _wanted(question: str) -> re.Pattern[str] | None:
    """What a sentence answering the question contains, from its question word."""
    q = question.lower()
    if q.startswith(("when", "what time", "what day", "which day", "what date")):
        return _WHEN
    if q.startswith(("how much", "how many", "how long", "how often", "what temperature")):
        return _DIGIT
    if q.startswith("who"):
        return _NAME
    if q.startswith("where"):
        return _WHERE
    if re.search(r"\b(?:code|pin|password|number|reference|combination)\b", q):
        return _DIGIT
    return None


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
