"""Whose fact is it: the people and things a question names, and which note sentences are theirs.

A business rule of `ask`: "What's the lock combination for Maya's bike?" must not be answered
with Leo's combination because the bikes note also names Maya. Within the notes that name the
question's subject, a sentence is *the subject's* when it names the subject, or when it belongs
to nobody else; it is *somebody else's* when it belongs to another name: a possessive ("Leo's
bike lock combination: 4471."), a name as its label ("Tom: hygienist cleaning ..."), or a
sub-heading that is a name ("Pets > Pepper (cat)"); a sentence with "he", "she", "his" or
"her" and no owner of its own is the last person's the chunk named ("Leo is allergic to
peanuts. His EpiPen ..." is Leo's, whatever it names). When somebody else's sentence holds more of
what the question asks than any of the subject's, the notes record that fact for somebody else,
and `ask` declines; otherwise it answers only from the subject's sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.quality.ask_grounding import ask_facts
from assistant.retrieval.base import Hit
from assistant.retrieval.extract import sentences
from assistant.retrieval.sparse import QUESTION_WORDS, tokenize

_POSSESSIVE = re.compile(r"\b([A-Z][\w-]*)(?:'s|’s|s'|s’)(?!\w)")
_LABEL = re.compile(r"^([A-Z][\w-]*):")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][\w'’-]*")
# A person's pronoun: the sentence is about whom the chunk's last sentence naming anybody named.
_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|hers)\b", re.I)
_DOER = re.compile(r"^([A-Z][\w-]*) (?:is|was|has|had|needs|takes|likes|loves|goes|gets|wants)\b")


@dataclass(frozen=True)
class Attached:
    """Per hit, its sentences the answer may come from (the subject's), and the best match
    (summed weights of the question's words a sentence and its heading hold) on each side."""

    sentences: list[list[str]]
    subject_best: float
    other_best: float

    @property
    def someone_elses(self) -> bool:
        """True when a sentence about somebody else answers the question better."""
        return self.other_best > self.subject_best


@dataclass(frozen=True)
class _Chunk:
    """A hit cut into sentences, with the stems of each, of its heading and its owners."""

    units: list[str]
    tokens: list[set[str]]
    heading: set[str]
    labels: list[str]


def subjects(question: str) -> list[frozenset[str]]:
    """The names and codes the question names ("Maya", "Wi-Fi Direct", "E24"), as stemmed tokens
    (numbers alone are not subjects)."""
    facts = [f for f in ask_facts(question) if any(c.isalpha() for c in f)]
    return [frozenset(t) for t in tokenize(facts) if t]


def _stems(words: Sequence[str]) -> set[str]:
    """The stems of `words` (one set)."""
    return set(tokenize([" ".join(words)])[0]) if words else set()


def _cut(hit: Hit) -> _Chunk:
    """The hit's sentences and their stems."""
    units = sentences(hit.text)
    tokens = [set(t) for t in tokenize(units)] if units else []
    labels = [m.group(1) for u in units if (m := _LABEL.match(u))]
    return _Chunk(units, tokens, set(tokenize([hit.heading])[0]), labels)


def _known_names(question: str, hits: Sequence[Hit], chunks: Sequence[_Chunk]) -> set[str]:
    """Stems of the words the notes use as names: possessives, capitalised words inside a
    sentence, the question's subjects, and every label of a chunk where one label is a name
    (labels side by side are of one kind: "Maya: check-up ...", "Tom: hygienist ...")."""
    texts = [question, *(f"{h.heading}\n{h.text}" for h in hits)]
    known = _possessors(texts)
    known |= _stems([f for t in texts for f in ask_facts(t) if f[:1].isupper()])
    for chunk in chunks:
        if _stems(chunk.labels) & known:
            known |= _stems(chunk.labels)
    return known


def attach(question: str, hits: Sequence[Hit], weights: dict[str, float] | None) -> Attached:
    """Sort the hits' sentences into the subject's and somebody else's (a question that names
    nobody has every sentence as its subject's)."""
    names = subjects(question)
    chunks = [_cut(h) for h in hits]
    if not names:
        return Attached([c.units for c in chunks], 0.0, 0.0)
    asked = set(tokenize([question])[0]) - QUESTION_WORDS - {t for n in names for t in n}
    common = _stems(_LOWER_WORD.findall(" ".join([question, *(h.text for h in hits)])))
    known = _known_names(question, hits, chunks) - common
    people = _people(question, hits, chunks) - common
    named = {h.path for h, c in zip(hits, chunks, strict=True) if _names(names, c)}
    kept: list[list[str]] = []
    best = {True: 0.0, False: 0.0}
    for hit, chunk in zip(hits, chunks, strict=True):
        chunk_owner = _heading_owners(hit.heading, common, known)
        kept.append([])
        last = set(chunk_owner)  # whom the chunk's latest sentence naming anybody names
        for unit, found in zip(chunk.units, chunk.tokens, strict=True):
            if hit.path not in named:
                continue  # a note that never names the subject takes no side
            owners = _owners(unit, common, known)
            mentioned = found & people | owners
            # "Leo is allergic to peanuts. His EpiPen ...": Leo's EpiPen, whatever it names.
            resolved = bool(last) and not owners and not mentioned & last
            if resolved and _PRONOUN.search(unit):
                side = any(n <= last for n in names)
            else:
                side = _side(names, found, chunk.heading, owners, chunk_owner)
                last = mentioned or last
            if side:
                kept[-1].append(unit)
            best[side] = max(best[side], weigh(asked & (found | chunk.heading), weights))
    return Attached(kept, best[True], best[False])


def _people(question: str, hits: Sequence[Hit], chunks: Sequence[_Chunk]) -> set[str]:
    """Stems of whom a pronoun may stand for: names seen with a possessive ("Leo's"), and a
    sentence's opening word that a person's verb follows ("Leo is allergic ..."); not every
    name ("Conference in Berlin ...")."""
    found = _possessors([question, *(f"{h.heading}\n{h.text}" for h in hits)])
    return found | _stems([m.group(1) for c in chunks for u in c.units if (m := _DOER.match(u))])


def _possessors(texts: Sequence[str]) -> set[str]:
    """Stems of the names the texts use with a possessive ("Leo's", "the Okoyes'")."""
    return _stems([w for t in texts for w in _POSSESSIVE.findall(t)])


def naming(question: str, heading: str, units: list[str]) -> list[str]:
    """The subject's sentences that name a subject of the question, when its heading names
    none and some do: Tom's own sentence answers "Tom's passport number" before the note's
    sentence about nobody (the safe's code). Else all of `units`."""
    names = subjects(question)
    if not names or not units or any(n <= set(tokenize([heading])[0]) for n in names):
        return units
    # `units` are the subject's already: a sentence of them with a pronoun speaks of it.
    own = [
        u
        for u, t in zip(units, tokenize(units), strict=True)
        if any(n <= set(t) for n in names) or _PRONOUN.search(u)
    ]
    return own or units


def foreign(heading: str, question: str) -> bool:
    """True when a note's heading says it is somebody's ("Sarah's car", "Tom's gym") whom the
    question does not name."""
    found = _POSSESSIVE.search(heading.split(" > ", maxsplit=1)[0])
    return found is not None and not _stems([found.group(1)]) <= set(tokenize([question])[0])


def weigh(terms: set[str], weights: dict[str, float] | None) -> float:
    """The summed weights of `terms` (1 each without weights)."""
    return sum((weights or {}).get(t, 1.0) for t in terms)


def _names(names: list[frozenset[str]], chunk: _Chunk) -> bool:
    """True when the chunk names one of the subjects (in its heading or a sentence)."""
    return any(n <= chunk.heading or any(n <= t for t in chunk.tokens) for n in names)


def _owners(text: str, common: set[str], known: set[str]) -> set[str]:
    """Whose `text` says it is: its possessives, and its label when that is a name."""
    found = _stems(_POSSESSIVE.findall(text)) - common
    label = _LABEL.match(text)
    return found | (_stems([label.group(1)]) & known if label else set())


def _heading_owners(heading: str, common: set[str], known: set[str]) -> set[str]:
    """Whose a whole chunk is: its heading's possessives ("Tom's gym"), and a sub-heading that
    is a name ("Kids' activities > Maya", "Pets > Pepper (cat)")."""
    found = _owners(heading, common, known)
    for part in heading.split(" > ")[1:]:
        first = part.split()[0] if part.split() else ""
        if first[:1].isupper():
            found |= _stems([first]) - common
    return found


def _side(
    names: list[frozenset[str]],
    found: set[str],
    heading: set[str],
    owned_by: set[str],
    chunk_owner: set[str],
) -> bool:
    """True for the subject's sentence (it names the subject, or its heading does, or nobody
    owns it), False for somebody else's (it or its chunk belongs to another name)."""
    if any(n <= found for n in names):
        return True
    if owned_by:
        return False
    if any(n <= heading for n in names):
        return True
    return not chunk_owner
