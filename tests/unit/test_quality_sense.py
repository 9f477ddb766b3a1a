"""The sense judge: line ends from token scores, the floor, engines that cannot score, and its
verdicts on labelled couplets (token scores recorded from the bundled model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Contract, NotEmpty, Predicate, nonsense, sense_score
from assistant.llm.base import WrappedLLM
from assistant.llm.logprob import TokenScore, scorer_of
from assistant.quality.evaluate import CountingLLM
from assistant.quality.sense import SENSE_FLOOR, end_spans, line_ends
from assistant.quality.sensetune import balanced, best_floor, precision_recall
from assistant.testing import FakeLLM

SCORED = Path(__file__).parent.parent / "data" / "sense_scored.jsonl"


def tokens(*pairs: tuple[str, float]) -> list[TokenScore]:
    return [TokenScore(text, lp) for text, lp in pairs]


# "The wind is calm,\nIt's 23:54, but the moon nom." as the model split and scored it.
NOM = tokens(
    ("The", -0.6), (" wind", -4.2), (" is", -1.0), (" calm", -3.8), (",", -0.2), ("\n", -2.6),
    ("It", -7.0), ("'s", 0.0), (" 23:54", -0.1), (",", -0.2), (" but", -6.8), (" the", -2.6),
    (" moon", -4.3), (" n", -10.0), ("om", -8.5), (".", -8.8), ("", 0.0),
)  # fmt: skip


class ScriptedScorer(FakeLLM):
    """A fake engine that also scores: every reply gets the same token scores."""

    def __init__(self, scores: list[TokenScore]) -> None:
        super().__init__()
        self.scores = scores
        self.asked: list[str] = []

    def score(self, prompt: object, reply: str, wanted: object = None) -> list[TokenScore]:
        self.asked.append(reply)
        return self.scores


def test_line_ends_sum_the_last_word_and_its_punctuation() -> None:
    ends = line_ends(NOM)
    assert [(e.line, e.word) for e in ends] == [(1, "calm"), (2, "nom")]
    assert ends[0].logprob == pytest.approx(-3.8 - 0.2)
    assert ends[1].logprob == pytest.approx(-10.0 - 8.5 - 8.8)


def test_a_word_split_across_tokens_and_lines_without_words() -> None:
    ends = line_ends(tokens(("Hi", -1.0), (" th", -2.0), ("ere", -3.0), ("!\n", -0.5), ("12", -1)))
    assert [(e.word, e.logprob) for e in ends] == [("there", -5.5)]  # "!\n" overlaps "!"


def test_unscored_tokens_count_only_where_no_line_end_needs_them() -> None:
    partly = [TokenScore(t.text, None if t.text in {" wind", " moon"} else t.logprob) for t in NOM]
    assert line_ends(partly) == line_ends(NOM)
    unscored_end = [TokenScore(t.text, None if t.text == " calm" else t.logprob) for t in NOM]
    assert [e.word for e in line_ends(unscored_end)] == ["nom"]


def test_end_spans_are_what_the_engine_is_asked_to_score() -> None:
    text = "The wind is calm,\nIt's 23:54, but the moon nom."
    assert [(w, text[a:b]) for _n, w, a, b in end_spans(text)] == [
        ("calm", "calm,"),
        ("nom", "nom."),
    ]


def test_the_floor_decides() -> None:
    llm = ScriptedScorer(NOM)
    assert nonsense(llm, "prompt", "any text") == "'nom' ending line 2 (-27.3)"
    assert nonsense(llm, "prompt", "any text", floor=-30.0) is None
    assert sense_score(llm, "prompt", "any text") == pytest.approx(-27.3)
    assert SENSE_FLOOR > -27.3


def test_an_engine_that_cannot_score_passes_everything() -> None:
    assert scorer_of(FakeLLM()) is None
    assert nonsense(FakeLLM(), "prompt", "It's 13:40, it's time sound.") is None
    assert sense_score(FakeLLM(), "prompt", "text") is None


def test_wrappers_are_seen_through() -> None:
    inner = ScriptedScorer(NOM)
    assert scorer_of(CountingLLM(WrappedLLM(inner))) is inner
    assert nonsense(CountingLLM(inner), "prompt", "text") is not None


def test_costly_rules_run_only_when_the_others_pass() -> None:
    llm = ScriptedScorer(NOM)
    sense = Predicate("sense", lambda text: nonsense(llm, "prompt", text))
    contract = Contract(rules=[NotEmpty()], then=[sense])
    assert contract.violations("") == ["not-empty: empty output"]
    assert llm.asked == []
    assert contract.violations("moon nom") == ["sense: 'nom' ending line 2 (-27.3)"]
    assert llm.asked == ["moon nom"]


def labelled() -> list[dict[str, object]]:
    lines = SCORED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_labelled_couplets_are_judged_as_labelled() -> None:
    items = labelled()
    assert len(items) >= 20 and {i["label"] for i in items} == {"good", "nonsense"}
    wrong = []
    for item in items:
        scores = tokens(*(tuple(pair) for pair in item["tokens"]))  # type: ignore[union-attr]
        said = "nonsense" if nonsense(ScriptedScorer(scores), "p", "t") else "good"
        if said != item["label"]:
            wrong.append(item["text"])
    # Held-out couplets: the judge agrees with at least 80 % of the labels.
    assert len(wrong) <= len(items) // 5, wrong


def test_the_floor_is_tuned_for_both_kinds_of_error() -> None:
    scored = [(-20.0, "nonsense"), (-12.0, "nonsense"), (-8.5, "good"), (-3.0, "good")]
    scored += [(-2.0, "good"), (-9.0, "nonsense")]
    assert balanced(scored, -8.75) == pytest.approx(1.0)  # between -9.0 and -8.5
    # Floors in steps of 0.5: only -8.5 parts the two kinds here (a score below it is flagged).
    assert best_floor(scored) == -8.5
    assert precision_recall(scored, -10.0) == pytest.approx((1.0, 2 / 3, 0.8))
