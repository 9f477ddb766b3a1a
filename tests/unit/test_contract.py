"""Output contracts: rules, retries with new seeds, and the fallback."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from assistant.llm.base import GenerateOptions, few_shot
from assistant.llm.contract import (
    Contract,
    MaxWords,
    MustContain,
    MustNotContain,
    NoRepetition,
    NotEmpty,
    Predicate,
    Score,
    generate_checked,
    seed_for,
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


def test_cascade_keeps_the_best_scored_of_enough_passing_candidates() -> None:
    llm = FakeLLM(["too many words in this one", "ok b", "ok best", "ok c"])
    longer = Score("longer", lambda t: len(t) / 10)
    contract = Contract([MaxWords(2)], retries=5, scores=[longer], enough=2)
    outcome = generate_checked(llm, "hi", contract, lambda: "fallback")
    assert (outcome.text, outcome.attempts, outcome.fallback) == ("ok best", 3, False)
    assert [c.passed for c in outcome.candidates] == [False, True, True]
    assert outcome.score == pytest.approx(0.7)
    assert outcome.candidates[1].scores == {"longer": pytest.approx(0.4)}
    assert outcome.rule_failures == {"max-words": 1}


def test_cascade_logs_every_attempt_and_counts_failures_by_rule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    never = Predicate("never", lambda _t: "no")
    llm = FakeLLM(["one two three", "x"])
    caplog.set_level(logging.INFO)
    contract = Contract([MaxWords(2), never], retries=2)
    outcome = generate_checked(
        llm, "hi", contract, lambda: "plain", options=GenerateOptions(seed=7)
    )
    assert outcome.fallback and outcome.text == "plain"
    assert outcome.rule_failures == {"max-words": 1, "never": 3}
    assert [c.seed for c in outcome.candidates] == [7, 8, 9]
    assert caplog.text.count("rejected") == 3 and "(seed 9)" in caplog.text


def test_a_sampler_replaces_the_plain_generate() -> None:
    seen: list[int | None] = []

    def sampler(options: GenerateOptions) -> str:
        seen.append(options.seed)
        return f"seed {options.seed}"

    contract = Contract([MustContain("seed 4")], retries=3)
    outcome = generate_checked(
        FakeLLM(), "hi", contract, lambda: "x", options=GenerateOptions(seed=3), sampler=sampler
    )
    assert (outcome.text, seen) == ("seed 4", [3, 4])


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (datetime(2026, 5, 1, 9, 0), datetime(2026, 5, 1, 9, 0, 30), True),  # same minute
        (datetime(2026, 5, 1, 9, 0), datetime(2026, 5, 2, 9, 0), False),  # next day, same hour
        (datetime(2026, 5, 1, 9, 0), datetime(2026, 5, 1, 10, 0), False),
    ],
)
def test_seed_for_varies_with_date_and_time(a: datetime, b: datetime, same: bool) -> None:
    assert (seed_for(a) == seed_for(b)) is same
    assert 0 <= seed_for(a) < 2**31
    assert seed_for(a, "clock") != seed_for(a, "quote")


def test_few_shot_is_system_then_example_turns_then_the_request() -> None:
    chat = few_shot("Be brief.", [("Q1", "A1"), ("Q2", "A2")], "Q3")
    assert [(m["role"], m["content"]) for m in chat] == [
        ("system", "Be brief."),
        ("user", "Q1"),
        ("assistant", "A1"),
        ("user", "Q2"),
        ("assistant", "A2"),
        ("user", "Q3"),
    ]
    assert few_shot("Be brief.", [], "Q") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q"},
    ]
