"""The benchmarks' medians and ratios."""

from __future__ import annotations

from assistant.bench.stats import median, ratio


def test_median_rounds_and_ratio_guards_a_zero_baseline() -> None:
    assert median([3.0, 1.0, 2.23456]) == 2.23
    assert median([1.0, 2.0], 1) == 1.5
    assert ratio(1.0, 3.0) == 0.333
    assert ratio(5.0, 2.0, 1) == 2.5
    assert ratio(5.0, 0.0) == 0.0
