"""Output contracts: rules, retries with new seeds, and the fallback."""

from __future__ import annotations

import logging

import pytest

from assistant.llm.contract import (
    Contract,
    MaxWords,
    MustContain,
    MustNotContain,
    NoRepetition,
    NotEmpty,
    Predicate,
    generate_checked,
)
from assistant.testing import FakeLLM


@pytest.mark.parametrize(
    ("rule", "text", "ok"),
    [
        (NotEmpty(), "   ", False),
        (NotEmpty(), "hi", True),
        (MaxWords(3), "one two three", True),
        (MaxWords(3), "one two three four", False),
        (MustContain(r"made-up quote"), "A made-up quote, in the style of X", True),
        (MustContain(r"made-up quote"), "A real quote", False),
        (MustNotContain(frozenset({"hate"})), "I hate Mondays", False),
        (MustNotContain(frozenset({"hate"})), "Whatever", True),
        (NoRepetition(), "la la la la la la la", False),
        (NoRepetition(), "the cat sat on the mat", True),
    ],
)
def test_rules(rule: object, text: str, ok: bool) -> None:
    assert (rule.violation(text) is None) == ok  # type: ignore[attr-defined]


def test_retries_with_new_seeds_until_the_contract_holds(caplog: pytest.LogCaptureFixture) -> None:
    llm = FakeLLM(["way too many words here", "short one"])
    caplog.set_level(logging.INFO)
    outcome = generate_checked(llm, "hi", Contract([MaxWords(2)], retries=3), lambda: "fallback")
    assert outcome.text == "short one"
    assert (outcome.attempts, outcome.fallback) == (2, False)
    assert [opts.seed for _m, opts in llm.calls] == [0, 1]
    assert "max-words: 5 words > 2" in caplog.text


def test_falls_back_after_the_last_retry() -> None:
    llm = FakeLLM(["bad"])
    never = Predicate("never", lambda _t: "always wrong")
    outcome = generate_checked(llm, "hi", Contract([never], retries=2), lambda: "plain")
    assert outcome.text == "plain"
    assert (outcome.attempts, outcome.fallback) == (3, True)
    assert len(outcome.failures) == 3
    assert all("never: always wrong" in f for f in outcome.failures)
