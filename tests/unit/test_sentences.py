"""The sentence splitter: a table of hard cases, and properties over any text and any chunking."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.speech.sentences import SentenceSplitter, split_sentences, stream_sentences

TABLE = [
    ("Hello there. How are you?", ["Hello there.", "How are you?"]),
    ("Dr. Smith met Mr. Jones.", ["Dr. Smith met Mr. Jones."]),
    (
        "Mrs. Brown and Prof. Plum left. Then rain.",
        ["Mrs. Brown and Prof. Plum left.", "Then rain."],
    ),
    ("Bring fruit, e.g. Apples and pears.", ["Bring fruit, e.g. Apples and pears."]),
    ("Bring fruit, i.e. apples. Then go.", ["Bring fruit, i.e. apples.", "Then go."]),
    ("I live in the U.S. It is big.", ["I live in the U.S.", "It is big."]),
    ("The U.S. economy grew.", ["The U.S. economy grew."]),
    ("Wake at 7:30 a.m. tomorrow. Then eat.", ["Wake at 7:30 a.m. tomorrow.", "Then eat."]),
    ("It is 7:30. Time to go.", ["It is 7:30.", "Time to go."]),
    ("It rose 3.5 degrees. Warm!", ["It rose 3.5 degrees.", "Warm!"]),
    ("Pi is 3.14159 or so.", ["Pi is 3.14159 or so."]),
    ("See No. 5 and p. 12 today.", ["See No. 5 and p. 12 today."]),
    ("We won in 2024. 5 people came.", ["We won in 2024.", "5 people came."]),
    ("J. R. R. Tolkien wrote it. Read it.", ["J. R. R. Tolkien wrote it.", "Read it."]),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ('"Stop!" she said. He did.', ['"Stop!" she said.', "He did."]),
    ("“Why?” he asked. “Because.”", ["“Why?” he asked.", "“Because.”"]),
    ("(It rained.) We stayed in.", ["(It rained.)", "We stayed in."]),
    ("Wait... what? No.", ["Wait... what?", "No."]),
    ("I wonder... Maybe not.", ["I wonder...", "Maybe not."]),
    ("Well… Fine.", ["Well…", "Fine."]),
    ("Really?! Yes!!! Great.", ["Really?!", "Yes!!!", "Great."]),
    ("What?? Oh.", ["What??", "Oh."]),
    ("Roses are red\nViolets are blue", ["Roses are red", "Violets are blue"]),
    ("1. Boil water.\n2. Add tea.", ["1. Boil water.", "2. Add tea."]),
    ("Line one.\n\n\nLine two.", ["Line one.", "Line two."]),
    ("... Hello there.", ["... Hello there."]),
    ("No ending", ["No ending"]),
    ("", []),
    ("   \n  ", []),
    ("Ends with space. ", ["Ends with space."]),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_table(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_table_token_by_token(text: str, expected: list[str]) -> None:
    assert list(stream_sentences(text)) == expected  # one character per piece


def test_a_sentence_is_handed_out_as_soon_as_the_next_word_begins() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("It is 7") == []
    assert splitter.feed(".") == []
    assert splitter.feed(" ") == []  # "7. 5 people" or "7. The": not known yet
    assert splitter.feed("The") == ["It is 7."]
    assert splitter.feed(" end.") == []
    assert splitter.flush() == ["The end."]


def test_a_line_break_ends_a_sentence_at_once() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("Roses are red.\n") == ["Roses are red."]
    assert splitter.feed("Violets") == []


def test_a_sentence_without_an_end_is_cut_at_a_comma_when_too_long() -> None:
    text = "one two, three four five six seven eight nine ten eleven"
    assert split_sentences(text, max_chars=20) == [
        "one two,",
        "three four five six",
        "seven eight nine ten",
        "eleven",
    ]


def test_a_word_longer_than_the_limit_is_cut_anywhere() -> None:
    assert split_sentences("x" * 25, max_chars=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_a_tiny_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        SentenceSplitter(max_chars=1)


CHARS = "abcXYZ 019.,!?…:;'\"“”()\n\t"
HARD = ["Dr. ", "e.g. ", "U.S. ", "7:30 ", "3.5 ", "... ", "a.m. ", "No. 5 ", "J. ", "1. "]
ALPHABET = st.sampled_from([*CHARS, *HARD])
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_joining_the_sentences_gives_back_the_text(text: str) -> None:
    sentences = split_sentences(text, max_chars=40)
    assert _squash("".join(sentences)) == _squash(text)
    assert all(s and s == s.strip() for s in sentences)
    assert all(len(s) <= 40 for s in sentences)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.lists(st.integers(min_value=0, max_value=80), max_size=10))
def test_any_chunking_gives_the_same_sentences(text: str, cuts: list[int]) -> None:
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert list(stream_sentences(pieces, max_chars=40)) == split_sentences(text, max_chars=40)
