"""Grounding judge for news: the model-written part names nothing the headline does not.

A name is a capitalised word that does not start a sentence or a line, or any acronym
("U.S.", "NHS"); a number is a numeral or a number word ("five", "million"). Each must be in
the headline, in any case and form ("Philippine" for "Philippines", "5" for "five").
"""

from __future__ import annotations

import re

# Capitalised words allowed anywhere: the speaker, exclamations, the style's own name.
COMMON = frozenset(
    {"i", "i'm", "i'll", "i've", "i'd", "o", "oh", "ok", "okay", "hooray", "hurray", "wow"}
    | {"yay", "hey", "hi", "yes", "no", "dr", "mr", "mrs", "ms", "seuss", "sir"}
)
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "tenth": 10,
    "hundredth": 100,
    "thousandth": 1000,
}
# Magnitudes: allowed when the headline has the word or an abbreviated amount ("£90m", "2bn").
MAGNITUDES = {"million": r"million|\d+(?:\.\d+)?m\b", "billion": r"billion|\d+(?:\.\d+)?bn\b"}
# Phrases in which a number word counts nothing.
IDIOMS = re.compile(r"\bno one\b|\bone (?:day|by one|and all|of a kind)\b", re.IGNORECASE)
TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\d[\d,]*(?:\.\d+)?|[A-Za-z][A-Za-z'’]*")
SENTENCE_END = re.compile(r"(?:^|[.!?:;\n—\"“(«]|--)\s*$")


def _norm(word: str) -> str:
    """Lower case, no dots, no possessive ending."""
    plain = word.lower().replace("’", "'").replace(".", "")
    return plain.removesuffix("'s").removesuffix("'")


def _source_words(source: str) -> set[str]:
    """Every word of the headline in normal form (acronyms without dots)."""
    return {_norm(t) for t in TOKEN.findall(source) if not t[0].isdigit()}


def _source_numbers(source: str) -> set[float]:
    """Every number the headline states, as a numeral or a number word."""
    found: set[float] = set()
    for token in TOKEN.findall(source):
        if token[0].isdigit():
            found.add(float(token.replace(",", "")))
        elif _norm(token) in NUMBER_WORDS:
            found.add(NUMBER_WORDS[_norm(token)])
    return found


def _known(name: str, words: set[str]) -> bool:
    """True when the headline has this word, or a longer or shorter form of it (>= 4 letters)."""
    key = _norm(name)
    if key in words or key in COMMON:
        return True
    return any(
        len(w) >= 4 and len(key) >= 4 and (w.startswith(key) or key.startswith(w)) for w in words
    )


def _is_name(token: str, before: str) -> bool:
    """A capitalised word inside a sentence, or an acronym anywhere."""
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}|[A-Z]{2,}[a-z]?", token):
        return True
    return token[0].isupper() and SENTENCE_END.search(before) is None


def unsupported(written: str, source: str) -> list[str]:
    """The names and numbers in `written` that `source` (the headline) does not contain."""
    words, numbers = _source_words(source), _source_numbers(source)
    text = IDIOMS.sub(" ", written)
    found: list[str] = []
    for match in TOKEN.finditer(text):
        token = match.group(0)
        lower = _norm(token)
        if token[0].isdigit():
            if float(token.replace(",", "")) not in numbers:
                found.append(token)
        elif lower in NUMBER_WORDS:
            if NUMBER_WORDS[lower] not in numbers:
                found.append(token)
        elif lower in MAGNITUDES:
            if not re.search(MAGNITUDES[lower], source, re.IGNORECASE):
                found.append(token)
        elif _is_name(token, text[: match.start()]) and not _known(token, words):
            found.append(token)
    return found


def grounding_violation(written: str, source: str) -> str | None:
    """Why `written` is not grounded in `source`, or None when it is."""
    extra = unsupported(written, source)
    return None if not extra else f"names what the headline does not: {', '.join(extra)}"


def is_grounded(written: str, source: str) -> bool:
    """True when every name and number in `written` is in `source`."""
    return not unsupported(written, source)
