"""The paraphrase rule of `ask`: a word no note uses, said in other words (table tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from assistant.retrieval.paraphrase import Paraphrase, gain, without
from assistant.retrieval.sparse import SparseIndex

FLIGHT = "Sarah's work\nConference in Berlin; flight LH947 on 7 October at 17:25."


@pytest.mark.parametrize(
    ("question", "stem", "left"),
    [
        ("When does Sarah fly to Berlin?", "fli", "When does Sarah to Berlin"),
        ("When is Maya's piano recital?", "recit", "When is Maya's piano"),
        ("What should the tyres be pumped up to?", "pump", "What should the tyres be up to"),
        ("When is Maya's piano recital?", "cake", "When is Maya's piano recital"),
    ],
)
def test_without_leaves_out_every_word_of_the_stem(question: str, stem: str, left: str) -> None:
    assert without(question, stem) == left


@pytest.mark.parametrize(
    ("question", "ablated", "sentence", "closer"),
    [
        ([1.0, 0.0], [0.0, 1.0], [0.0, 1.0], True),  # the word pulled the question away
        ([0.0, 1.0], [1.0, 0.0], [0.0, 1.0], False),  # the sentence accounts for the word
        ([0.6, 0.8], [0.6, 0.8], [0.0, 1.0], False),  # the word changes nothing
    ],
)
def test_gain_is_how_much_closer_the_question_comes_without_the_word(
    question: list[float], ablated: list[float], sentence: list[float], closer: bool
) -> None:
    vectors = [np.array(v) for v in (question, ablated, sentence)]
    assert (gain(*vectors) > 0) is closer


def _embed_by_words(texts: Sequence[str]) -> np.ndarray:
    """Vectors from a few words: "flight" and "fly" point the same way, "recital" not."""
    axes = ("berlin", "fly flight", "recital", "piano")
    return np.array(
        [[1.0 + sum(w in t.lower() for w in axis.split()) for axis in axes] for t in texts]
    )


@pytest.mark.parametrize(
    ("question", "stem", "sentence", "unseen", "said"),
    [
        ("When does Sarah fly to Berlin?", "fli", FLIGHT, {"fli"}, True),
        # A word the notes use elsewhere is never a paraphrase, however close.
        ("When does Sarah fly to Berlin?", "fli", FLIGHT, set(), False),
        (
            "When is Maya's piano recital?",
            "recit",
            "Piano on Thursdays at 16:15.",
            {"recit"},
            False,
        ),
        # A stem the question does not hold is not vouched for.
        ("When does Sarah fly to Berlin?", "recit", FLIGHT, {"recit"}, False),
    ],
)
def test_a_word_no_note_uses_is_said_when_the_sentence_accounts_for_it(
    question: str, stem: str, sentence: str, unseen: set[str], said: bool
) -> None:
    judge = Paraphrase(_embed_by_words, frozenset(unseen))
    assert judge.covers(question, stem, sentence) is said


def test_an_embedder_failure_keeps_the_rule_strict() -> None:
    def broken(texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("worker gone")

    judge = Paraphrase(broken, frozenset({"fli"}))
    assert judge.covers("When does Sarah fly to Berlin?", "fli", FLIGHT) is False


def test_unseen_terms_are_the_ones_no_chunk_holds() -> None:
    index = SparseIndex.build(["Flight LH947 to Berlin.", "Piano on Thursdays."])
    assert index.unseen(["flight", "piano", "fli", "recit"]) == {"fli", "recit"}
