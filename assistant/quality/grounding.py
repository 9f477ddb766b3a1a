"""Grounding judge for news: the model-written part names nothing the headline does not.

A name is a capitalised word inside a sentence, any acronym ("U.S.", "NHS"), or a capitalised
word starting a sentence or line that Webster's dictionary (the `english-words` package, which
spells names capitalised) does not list in lower case ("Fido barks", not "Roll along"). A
number is a numeral or a number word ("five", "million"). Each must be in the headline, in
any case and form ("Philippine" for "Philippines", "5" for "five").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from assistant.quality.numbers import CARDINALS, SCALES

# Capitalised words allowed anywhere: the speaker, exclamations, the style's own name.
COMMON = frozenset(
    {"i", "i'm", "i'll", "i've", "i'd", "o", "oh", "ok", "okay", "hooray", "hurray", "wow"}
    | {"yay", "hey", "hi", "yes", "no", "dr", "mr", "mrs", "ms", "seuss", "sir"}
)
# Contractions and cheers that start a line but are not in the dictionary of common words.
STARTERS = frozenset(
    {"don't", "it's", "let's", "that's", "there's", "they'll", "they're", "we'll", "we're"}
    | {"what's", "you'll", "you're", "i'm", "i'll", "hooray", "hurray", "wow", "yay", "ok"}
)
NUMBER_WORDS = {
    **{word: n for word, n in CARDINALS.items() if word != "one"},  # "one" is mostly a pronoun
    "hundred": SCALES["hundred"],
    "thousand": SCALES["thousand"],
    **{"dozen": 12, "third": 3, "fourth": 4, "fifth": 5, "tenth": 10},
    **{"hundredth": 100, "thousandth": 1000},
}
# Magnitudes: allowed when the headline has the word or an abbreviated amount ("£90m", "2bn").
MAGNITUDES = {"million": r"million|\d+(?:\.\d+)?m\b", "billion": r"billion|\d+(?:\.\d+)?bn\b"}
# Phrases in which a number word counts nothing.
TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z][A-Za-z'’]*")
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


@functools.cache
def _dictionary() -> frozenset[str]:
    """Webster's words in lower case: common words, not names (which it spells capitalised)."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=False) if w.islower())


def _common(word: str) -> bool:
    """True when `word` (or its stem: -s, -es, -ing, -ed) is a common English word."""
    key = _norm(word)
    if key in STARTERS:
        return True
    known = _dictionary()
    stems = [key] + [key[: -len(end)] for end in ("s", "es", "ing", "ed", "d") if key.endswith(end)]
    return any(stem in known or stem + "e" in known for stem in stems)


def _is_name(token: str, before: str) -> bool:
    """A capitalised word inside a sentence, an acronym, or an uncommon word starting one."""
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}|[A-Z]{2,}[a-z]?", token):
        return True
    if not token[0].isupper():
        return False
    return SENTENCE_END.search(before) is None or not _common(token)


def _unsupported_number(token: str, source: str, numbers: set[float]) -> bool:
    """True when `token` states a number (or magnitude) that the source does not."""
    lower = _norm(token)
    if token[0].isdigit():
        return float(token.replace(",", "")) not in numbers
    if lower in NUMBER_WORDS:
        return NUMBER_WORDS[lower] not in numbers
    return not re.search(MAGNITUDES[lower], source, re.IGNORECASE)


def unsupported(
    written: str, source: str, *, allowed: Iterable[str] = (), numbers: bool = True
) -> list[str]:
    """The names (and numbers) in `written` that `source` does not contain; names in
    `allowed` (a skill's own stock, e.g. the languages a parody commenter mentions) pass."""
    known = _source_words(source) | {_norm(a) for a in allowed}
    stated = _source_numbers(source)
    found: list[str] = []
    for match in TOKEN.finditer(written):
        token = match.group(0)
        lower = _norm(token)
        if token[0].isdigit() or lower in NUMBER_WORDS or lower in MAGNITUDES:
            if numbers and _unsupported_number(token, source, stated):
                found.append(token)
        elif _is_name(token, written[: match.start()]) and not _known(token, known):
            found.append(token)
    return found


def grounding_violation(
    written: str, source: str, *, allowed: Iterable[str] = (), numbers: bool = True
) -> str | None:
    """Why `written` is not grounded in `source`, or None when it is."""
    extra = unsupported(written, source, allowed=allowed, numbers=numbers)
    return None if not extra else f"names what the source does not: {', '.join(extra)}"


def is_grounded(written: str, source: str) -> bool:
    """True when every name and number in `written` is in `source`."""
    return not unsupported(written, source)


def unknown_words(written: str, source: str) -> list[str]:
    """Words of `written` that are neither English (per the CMU dictionary) nor in `source`.

    A tiny model forced to end a line on a word sometimes fills it with made-up words
    ("ees", "theirselfe"); they are no names, but they are not worth hearing either.
    """
    from assistant.quality.rhyme import phones_for

    words = _source_words(source)
    found = []
    for token in TOKEN.findall(written):
        if token[0].isdigit() or _norm(token) in words:
            continue
        if not phones_for(_norm(token)):
            found.append(token)
    return found
