"""Does the note record what is asked: the asked words in it, the answer's kind in its sentence.

A business rule of `ask`. The subject rule settles whose fact a sentence is; this one settles
whether the chosen note records the asked thing at all. "When is Maya's piano recital?" finds
Maya's piano lessons, "the wifi password at the Cornwall cottage" finds the cottage's note: the
subject is there, the asked thing ("recital", "wifi") is not. So:

- every word of the question beyond its subjects, its question words and a few words that only
  frame a question ("mean", "need", "his") must be in the note's chunk or heading (stemmed;
  "sown" finds "sow"; code words stand for each other: a "PIN" finds a "code");
- a word that names the *kind* of answer ("temperature", "phone", "cost", "how long") need not
  be in the note, but the answering sentence must hold that kind ("-18 °C", "01632 960 512",
  "£12", "45 minutes"); "when" wants a date, a weekday or a time, "who" a name;
- lines with labels side by side ("Outbound: ...", "Return: ...") are alternatives: a word of
  another labelled line than the answering one does not count ("When does the return flight
  land?" against an outbound flight that lands and a return flight that departs).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from assistant.retrieval.sparse import QUESTION_WORDS, tokenize

_NUM = r"(?<![\w.])\d+(?:[.,]\d+)?"
KINDS: dict[str, re.Pattern[str]] = {
    # A clock time, a day of the month, a year, a numeric date, a month, a weekday, a
    # repetition or a part of the day: not any number ("4 hours" says how long, not when).
    "when": re.compile(
        r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b|\b\d{1,2}(?:st|nd|rd|th)\b|"
        r"\b(?:19|20)\d{2}\b|\b\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b|"
        r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
        r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\b(?:every|each|weekly|monthly)\b|"
        r"\b(?:today|tomorrow|tonight|morning|afternoon|evening|night|noon|midnight)\b",
        re.I,
    ),
    "number": re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b", re.I),
    "money": re.compile(rf"[£€$]\s?\d|{_NUM}\s?(?:p|pence|pounds?|euros?|dollars?)\b", re.I),
    "amount": re.compile(
        rf"[£€$]\s?\d|{_NUM}\s?(?:p|pence|pounds?|euros?|g|kg|ml|l|litres?|tsp|tbsp|oz|lbs?|"
        r"cups?|slices?|pieces?|doses?|tablets?)\b|\b(?:a pinch|half|a handful)\b",
        re.I,
    ),
    # Not "once a month", "every 2 weeks" nor "£3 a month": those say how often.
    "duration": re.compile(
        r"(?<!once )(?<!twice )(?<!times )(?<!every )(?<!per )(?<!\d )"
        r"\b(?:\d+|an?|one|two|three|four|five|six|ten|half an?)\s*(?:-\s*)?"
        r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?)\b",
        re.I,
    ),
    "frequency": re.compile(
        r"\b(?:every|each|once|twice|daily|weekly|fortnightly|monthly|yearly|annually|per)\b|"
        r"\ba (?:day|week|month|year)\b|\b\d+ times\b",
        re.I,
    ),
    "degrees": re.compile(rf"°|{_NUM}\s?(?:degrees?|deg|c)\b", re.I),
    "length": re.compile(rf"{_NUM}\s?(?:mm|cm|m|km|metres?|meters?|miles?|inch(?:es)?|feet|ft)\b"),
    "mass": re.compile(rf"{_NUM}\s?(?:g|kg|grams?|kilos?|lbs?|pounds|stone|oz)\b", re.I),
    "pressure": re.compile(rf"{_NUM}\s?(?:psi|bar)\b", re.I),
    # International (+44 20 7946 0958, +1 (555) 123-4567, +33 1 23 45 67 89), national with a
    # trunk 0 (01632 960 512, 030 1234567, 0612345678), and North American without one
    # ((555) 123-4567, 555-123-4567). Eight bare digits ("55023871") are no phone number.
    "phone": re.compile(
        r"(?<![\w.+])(?:\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}|0\d{2,4}(?:[\s.-]?\d){5,10}|"
        r"\(\d{3}\)\s?\d{3}[\s.-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w])"
    ),
    "code": re.compile(
        r"(?<![\w:])(?:(?=[\w.!-]*\d)(?:\d[\d.]{3,}|[\w.!-]*[A-Za-z][\w.!-]*)|"
        r"[A-Z0-9]+(?:-[A-Z0-9]+)+)(?![\w:])"
    ),
    "address": re.compile(r"\d|@|\b(?:street|road|lane|avenue|close|drive|way|st|rd)\b", re.I),
    "name": re.compile(r"(?<!^)\b[A-Z][\w'’-]+"),
    "place": re.compile(r"\b(?:in|on|under|behind|by|at|next to|inside|above|below)\b", re.I),
}
# Words that ask for money: in a "how much" question and anywhere else ("What do we pay Jess?").
_MONEY_WORDS = "cost costs price charge charges fee fees pay paid owe owed spend spent"
# Question openings and the kind of answer they ask for (first match wins).
_OPENINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^how much\b.*\b(?:{'|'.join(_MONEY_WORDS.split())}|rate)", re.I), "money"),
    (re.compile(r"^how much\b", re.I), "amount"),
    (re.compile(r"^how many\b", re.I), "number"),
    (re.compile(r"^how (?:long|soon)\b", re.I), "duration"),
    (re.compile(r"^how often\b", re.I), "frequency"),
    (re.compile(r"^how (?:hot|cold|warm|cool)\b", re.I), "degrees"),
    (re.compile(r"^how (?:far|tall|high|deep|wide|big|large|thick)\b", re.I), "number"),
    (re.compile(r"^how (?:heavy|light)\b", re.I), "mass"),
    (
        re.compile(r"^(?:when|what (?:time|day|date|month|year)|which (?:day|date|month))\b", re.I),
        "when",
    ),
    (re.compile(r"^(?:who|whom)\b", re.I), "name"),
    (re.compile(r"^where\b", re.I), "place"),
]
# Words anywhere in the question that name the kind of answer (first match wins); each of
# these words then need not be in the note itself, only its kind in the answering sentence.
_KIND_WORDS: list[tuple[str, str]] = [
    ("temperature", "degrees"),
    ("pressure", "pressure"),
    ("phone mobile telephone landline", "phone"),
    (_MONEY_WORDS, "money"),
    ("password passcode pin code combination", "code"),
    ("number reference", "code"),
    ("address", "address"),
    ("time date day appointment", "when"),
    ("weight", "mass"),
    ("distance height length size age old", "number"),
    ("called", "name"),
]
# Stems of words that frame a question without naming what it asks about: light verbs among
# them ("When does the delivery come?", "When do we pick up the turkey?", "still owe").
_FRAME = (
    "mean means need needs go goes going went get gets got take takes taken took come comes "
    "coming came pick picks picked still set keep kept like use used want "
    "put find happen look his her hers their its them they he she it you your house home place "
    "remind know say give show let usually normally typically again exactly actually ever"
)
_CODE_WORDS = "password passcode pin code combination"
# Words that stand for each other in a household's questions and notes.
_SYNONYMS = (
    _CODE_WORDS,
    "leave depart",
    "arrive land",
    "finish end",
    "begin start",
    "ring call phone",
    "fix repair mend",
    # Everyday British household words for one thing (written as a list of such pairs, not
    # from the eval's misses alone: most are in no question of ours).
    "child children kid kids",
    "boss manager",
    "mum mother",
    "dad father",
    "nan nana gran granny grandma grandmother",
    "grandad grandpa grandfather",
    "doctor gp",
    "rubbish waste",
    "fuel petrol diesel",
    "eat food",
    "holiday away",
    "sofa couch settee",
    "telly tv television",
    "fridge refrigerator",
    "lounge sitting",
    "post mail",
    "vet vets veterinary",
    "car vehicle",
)
# Words asking for one end of a span of time, and the span that records that end: a time
# range ("14:00 to 16:00") holds both ends, "from 13:00" or "after 16:00" the first, "until
# 17:30" or "by 10:00" the last. "When does the party start?" is answered by "14:00 to 16:00";
# "When does the Eden Project close?" is not by "tickets for 10:00 entry".
_CLOCK = r"\d{1,2}[:.]\d{2}"
_RANGE = rf"{_CLOCK}\s*(?:-|–|to|until|till)\s*{_CLOCK}"
_BOUNDS: dict[str, re.Pattern[str]] = {
    "first": re.compile(rf"{_RANGE}|\b(?:from|after|opens? at)\s+{_CLOCK}", re.I),
    "last": re.compile(rf"{_RANGE}|\b(?:until|till|by|before|closes? at)\s+{_CLOCK}", re.I),
}
_BOUND_WORDS = {"first": "start starts begin begins earliest", "last": "finish end close latest"}
_LABELLED = re.compile(r"^\s*(?:[-*+]\s+)?[A-Z][\w'’ -]{0,30}:\s")


@cache
def _stems(words: str) -> frozenset[str]:
    """The stems of a space-separated word list (cached: the lists are constants)."""
    return frozenset(t for w in words.split() for t in tokenize([w])[0])


def wanted_kind(question: str) -> str | None:
    """The kind of answer the question asks for ("when", "money", "phone", ...), or None."""
    text = question.strip()
    for pattern, kind in _OPENINGS:
        if pattern.search(text):
            return kind
    words = set(tokenize([text])[0])
    for listed, kind in _KIND_WORDS:
        if words & _stems(listed):
            return kind
    return None


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: \d{{4}})?|{_MONTH} \d{{4}})\b", re.I
)
# Weekdays and months a question names ("may" is too often a verb to count).
_WEEKDAY_OR_MONTH = re.compile(
    rf"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|(?!may\b){_MONTH})\b", re.I
)


def holds_kind(kind: str | None, text: str) -> bool:
    """True when `text` holds an answer of that kind (always, for no kind); a date is no code
    ("expires on 19 October 2030" holds no passport number)."""
    if kind in {"code", "phone"}:
        text = _DATE.sub(" ", text)
    return kind is None or bool(KINDS[kind].search(text))


def _kind_words(question: str) -> frozenset[str]:
    """Stems that announce the answer's kind, and the verb of "who teaches ...": the answer's
    kind in its sentence stands for them."""
    words = _stems(" ".join(w for listed, _ in _KIND_WORDS for w in listed.split()))
    words |= _stems("time long often hot cold warm cool far tall high deep wide big heavy")
    who = re.match(r"^(?:who|whom)\s+([a-z]+)", question.strip(), re.I)
    if who and who.group(1).lower() not in {"is", "was", "are", "were", "do", "does", "did"}:
        words |= _stems(who.group(1))
    return words - _stems(_CODE_WORDS)


def asked_words(question: str, subjects: frozenset[str] = frozenset()) -> set[str]:
    """The stems a note must hold to record what is asked: the question's words beyond its
    `subjects` (stems), question words, framing words, English function words ("up",
    "each": a closed class that never names the asked thing) and the words naming the
    answer's kind."""
    words = set(tokenize([question])[0]) - QUESTION_WORDS - subjects - _function_words()
    return words - _stems(_FRAME) - _kind_words(question)


@cache
def _function_words() -> frozenset[str]:
    """The stems of the NLTK list of English function words (bm25s ships it)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return _stems(" ".join(STOPWORDS_EN_PLUS))


def _covered(stem: str, found: set[str]) -> bool:
    """True when `found` holds the stem, a stem it begins or that begins it within 2 letters
    ("sown" / "sow": Snowball keeps irregular forms apart), or a synonym ("depart" for
    "leave", a "code" for a "PIN")."""
    if stem in found:
        return True
    if any(stem in _stems(group) and found & _stems(group) for group in _SYNONYMS):
        return True
    short = [f for f in found if min(len(f), len(stem)) >= 3 and abs(len(f) - len(stem)) <= 2]
    return any(f.startswith(stem) or stem.startswith(f) for f in short)


def bounded(stem: str, key: str) -> bool:
    """True when `stem` asks for one end of a span of time ("start", "earliest", "close")
    and the answering sentence `key` records that end (a time range, "from 13:00", "by 10:00")."""
    return any(stem in _stems(_BOUND_WORDS[end]) and pattern.search(key)
               for end, pattern in _BOUNDS.items())  # fmt: skip


def context(text: str, key: str) -> str:
    """The chunk's text an answer from `key` may draw on: without the labelled lines other
    than the one holding `key` (labels side by side are alternatives of one kind)."""
    lines = text.splitlines()
    own = [n for n, line in enumerate(lines) if key[:40] in " ".join(line.split())]
    return "\n".join(line for n, line in enumerate(lines) if n in own or not _LABELLED.match(line))


def _when_text(key: str) -> str:
    """Where the weekdays and months a question names must be: the line's label when it is
    one ("Saturday: Sunday roast on Saturday" is Saturday's line), else the whole line."""
    label = _LABELLED.match(key)
    if label and _WEEKDAY_OR_MONTH.search(label.group(0)):
        return label.group(0)
    return key


def unrecorded(
    question: str,
    key: str,
    note: str,
    subjects: frozenset[str],
    heading: str = "",
    *,
    said: Callable[[str], bool] | None = None,
) -> list[str]:
    """What the note does not record of the question: its asked words that `note` (the chunk
    with its heading) lacks, the weekdays and months it names that the answering sentence
    `key` and its `heading` lack ("on Thursdays" against "Swimming on Tuesdays" in a note that
    has piano on Thursdays), and the answer's kind when `key` lacks it (as "kind:<name>");
    `said(stem)` may vouch for an asked word the note words otherwise
    (`assistant.retrieval.paraphrase`). Empty when the note records what is asked."""
    found = set(tokenize([note])[0])
    asked = sorted(asked_words(question, subjects))
    missing = [w for w in asked if not _covered(w, found)]
    # The sentence tells in other words only what it is about: every asked word that is not
    # in it must be one it vouches for ("Check-in from 15:00" does not tell when breakfast
    # starts, in a note that has breakfast). Lazy: `said` may embed.
    own = set(tokenize([f"{heading}\n{key}"])[0])
    rest = [w for w in asked if not _covered(w, own)]
    if missing and all(bounded(w, key) or (said and said(w)) for w in rest):
        missing = []
    when = set(tokenize([" ".join(_WEEKDAY_OR_MONTH.findall(question))])[0])
    missing += sorted(when - set(tokenize([f"{heading}\n{_when_text(key)}"])[0]))
    kind = wanted_kind(question)
    return missing if holds_kind(kind, key) else [*missing, f"kind:{kind}"]
