"""Grounding judge for `ask`: every number, name and code of an answer is in the chunk it cites."""

from __future__ import annotations

import re

from assistant.quality.numbers import CARDINALS, SCALES

# A token as written: letters, digits and the punctuation codes and times are made of.
_TOKEN = re.compile(r"[£$€]?[\w][\w'’:./@+-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
_DIGIT = re.compile(r"\d")
_LEADING_ZERO_TIME = re.compile(r"^0(\d[:.]\d\d)$")
# Number words say numbers too: "four seconds" from the wrong note is as wrong as "4 seconds".
_NUMBER_WORDS = frozenset(CARDINALS.keys() - {"one"} | SCALES.keys() | {"twice"})
# Capitalised words that name nothing by themselves: "I", and titles (the name after one counts).
_NOT_NAMES = frozenset({"i", "i'm", "i'd", "i'll", "i've", "ok", "okay", "mr", "mrs", "ms", "dr"})


def _norm(token: str) -> str:
    """The token without trailing punctuation or a possessive 's."""
    token = token.rstrip(".:'’/-+")
    for suffix in ("'s", "’s"):
        token = token.removesuffix(suffix)
    return token


def _is_code(token: str) -> bool:
    """Letters and digits together (a password, a reference): its case is part of it."""
    return bool(_DIGIT.search(token)) and any(c.isalpha() for c in token)


def _is_fact(token: str, sentence_start: bool) -> bool:
    """A number, a code, a number word, or a name (capitalised, not opening a sentence)."""
    if _DIGIT.search(token) or token[0] in "£$€":
        return True
    if token.lower() in _NUMBER_WORDS:
        return True
    if any(c.isupper() for c in token[1:]):
        return True  # codes and mixed-case names: HAF-CIN, QX7P2L, maple-Otter
    return token[0].isupper() and not sentence_start and token.lower() not in _NOT_NAMES


def ask_facts(answer: str) -> list[str]:
    """The numbers, names and codes in `answer`, without trailing punctuation, in order."""
    facts = []
    for found in _TOKEN.finditer(answer):
        start = bool(_SENTENCE_START.search(answer[: found.start()]))
        if _is_fact(found.group(), start):
            facts.append(_norm(found.group()))
    return [f for f in facts if f]


def _present(fact: str, source: str) -> bool:
    """`fact` occurs in `source` as a whole token, in any case except a code's (a time may
    drop its leading zero)."""
    variants = {fact}
    if zero := _LEADING_ZERO_TIME.match(fact):
        variants.add(zero.group(1))
    elif re.fullmatch(r"\d[:.]\d\d", fact):
        variants.add("0" + fact)
    elif re.fullmatch(r"[A-Za-z][A-Za-z-]{2,}s", fact):
        variants.add(fact[:-1])  # a plural names the same thing: "EpiPens" for an "EpiPen"
    flags = 0 if _is_code(fact) else re.IGNORECASE
    return any(re.search(rf"(?<![\w]){re.escape(v)}(?![\w])", source, flags) for v in variants)


def ask_ungrounded(answer: str, chunk_text: str) -> list[str]:
    """The numbers, names and codes of `answer` that `chunk_text` does not contain."""
    return [f for f in dict.fromkeys(ask_facts(answer)) if not _present(f, chunk_text)]


def ask_grounded(answer: str, chunk_text: str) -> bool:
    """True when every number, name and code in `answer` appears in the chunk it cites."""
    return not ask_ungrounded(answer, chunk_text)
