"""The rhyming ending: its language, its grammar, and the token mask that enforces it."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from assistant.llm.ending import RhymeEnding
from assistant.llm.endingmask import EndingMask, Vocabulary

ENDING = RhymeEnding(("night", "light"), max_chars=12)
EOS = 0
# A small vocabulary in the shape of a byte-level BPE one: pieces with and without a leading
# space, marks alone and after a word, a digit, a capital, a newline and a broken character.
PIECES = [
    "<eos>", "a", "b", "t", "n", "ig", "ht", "l", "i", "g", "h", " ", ",", "'", "-",
    " the", " sky", " is", " night", " light", " nigh", " lig", "night", "light", "ht.",
    ".", "!", "?", " night.", "7", " The", "\n", None, "s ni", " at night", "and",
]  # fmt: skip
VOCAB = Vocabulary(PIECES, frozenset({EOS}))


def allowed(done: str) -> set[str]:
    mask = EndingMask(ENDING, VOCAB).allowed(done)
    return {str(PIECES[i]) for i in np.flatnonzero(mask)}


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("the sky is a night.", True),  # 12 characters before the word: the most
        ("the sky is at night.", False),  # 13
        ("sky is so blue night.", False),
        ("sky's blue light!", True),
        (" night.", True),
        ("night.", False),  # the word follows a space
        ("a night", False),  # no mark
        ("a night?", False),  # not one of the marks
        ("a nights.", False),
        ("a Night.", False),
        ("it's 7, night.", False),
    ],
)
def test_whole_endings(text: str, whole: bool) -> None:
    assert ENDING.matches(text) is whole


def test_the_grammar_says_the_same() -> None:
    assert ENDING.grammar() == ('root ::= [a-z ,\'-]{0,12} " " ("night" | "light") [.!]\n')


def test_plain_text_goes_on_while_it_fits() -> None:
    found = allowed("the sky")
    assert {"a", " the", ",", " night", " at night", "s ni"} <= found
    assert not {"7", " The", "\n", ".", "<eos>", "None"} & found


def test_past_the_budget_only_the_word_can_follow() -> None:
    assert allowed("the sky is a") == {" night", " light", " nigh", " lig", " night.", " "}
    assert allowed("the sky is a nig") == {"h", "ht", "ht."}
    assert allowed("the sky is a night") == {".", "!"}
    assert allowed("the sky is a night.") == {"<eos>"}


def test_a_piece_may_close_the_word_with_its_mark() -> None:
    assert "ht." in allowed("so nig") and "ht." not in allowed("so")
    assert " night." in allowed("so")


def test_a_word_may_start_inside_a_piece() -> None:
    assert "s ni" in allowed("the sky")  # "the skys ni..." can still become "... night."
    assert "s ni" not in allowed("the sky is a")  # its space would be past the budget


@pytest.mark.parametrize("seed", range(200))
def test_every_walk_through_the_mask_ends_in_the_language(seed: int) -> None:
    rng = random.Random(seed)
    mask, done = EndingMask(ENDING, VOCAB), ""
    for _ in range(40):
        choices = np.flatnonzero(mask.allowed(done))
        assert len(choices) > 0, done  # the mask never leads into a dead end
        token = int(rng.choice(list(choices)))
        if token == EOS:
            break
        done += str(PIECES[token])
    else:
        pytest.skip("the walk did not end within 40 steps")
    assert ENDING.matches(done), done
    pattern = re.compile(r"[a-z ,'-]{0,12} (?:night|light)[.!]")
    assert pattern.fullmatch(done), done


def test_the_processor_forbids_what_the_mask_does() -> None:
    mask = EndingMask(ENDING, VOCAB)
    apply = mask.processor()
    prompt = np.array([31, 31, 31])  # any tokens: the first call marks where the answer starts
    scores = np.zeros(len(PIECES), dtype=np.float32)
    apply(prompt, scores)
    assert np.isneginf(scores[PIECES.index("7")]) and scores[PIECES.index(" the")] == 0.0
    written = [PIECES.index(p) for p in (" the", " sky", " is")]
    scores = np.zeros(len(PIECES), dtype=np.float32)
    apply(np.concatenate([prompt, written]), scores)  # " the sky is": 11 characters
    kept = {PIECES[i] for i in np.flatnonzero(~np.isneginf(scores))}
    assert {" night", " night.", "s ni", "a"} <= kept
    assert not {" the", " at night", "<eos>", "."} & kept
