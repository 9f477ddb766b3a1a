"""Grounding judge for news: the model-written part names nothing the headline does not.

A name is a capitalised word inside a sentence, any acronym ("U.S.", "NHS"), or a capitalised
word starting a sentence or line that is not a common English word ("Fido barks", not "So
the"); a number is a numeral or a number word ("five", "million"). Each must be in the
headline, in any case and form ("Philippine" for "Philippines", "5" for "five").
"""

from __future__ import annotations

import re

# Capitalised words allowed anywhere: the speaker, exclamations, the style's own name.
COMMON = frozenset(
    {"i", "i'm", "i'll", "i've", "i'd", "o", "oh", "ok", "okay", "hooray", "hurray", "wow"}
    | {"yay", "hey", "hi", "yes", "no", "dr", "mr", "mrs", "ms", "seuss", "sir"}
)
# Common words that start a line or sentence: anything else capitalised there may be a name.
STARTERS = frozenset(
    re.findall(
        r"\S+",
        """a about after again all along an and another any are around as at away back be because
    before best big bright but by can come could day do does don't down each even every far
    few first for from fun get give go good great happy has have he her here hey his hop how
    if in into is it it's its just kind last let let's like little look lots many may more
    most much must my new next nice night nobody none not now of off oh old on once one only
    or our out over people please quite read ride rain round run say see she shine sing sit
    sleep small so some soon still such sun sweet take tell than that that's the their them
    then there there's these they they'll they're this those through time to today tonight
    too twice two under up us very wait walk watch way we we'll we're well what what's when
    where which while who why will with without wow yes yet you you'll you're your""",
    )
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
    """A capitalised word inside a sentence, an acronym, or an uncommon word starting one."""
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}|[A-Z]{2,}[a-z]?", token):
        return True
    if not token[0].isupper():
        return False
    return SENTENCE_END.search(before) is None or _norm(token) not in STARTERS


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
