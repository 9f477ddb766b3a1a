"""Reciprocal rank fusion."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.retrieval.fusion import rrf


def test_an_item_in_both_lists_wins() -> None:
    fused = rrf([(np.array([1, 2, 3]), 1.0), (np.array([4, 2, 5]), 1.0)], k=60, limit=10)
    assert fused[0][0] == 2
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 62)
    assert {i for i, _ in fused} == {1, 2, 3, 4, 5}


def test_weights_and_k_shift_the_order() -> None:
    lists = [np.array([1, 2]), np.array([2, 1])]
    assert rrf([(lists[0], 2.0), (lists[1], 1.0)], k=1, limit=2)[0][0] == 1
    assert rrf([(lists[0], 1.0), (lists[1], 2.0)], k=1, limit=2)[0][0] == 2


def test_zero_weight_drops_an_arm_and_limit_caps() -> None:
    fused = rrf([(np.array([1, 2, 3]), 1.0), (np.array([9, 8]), 0.0)], k=5, limit=2)
    assert [i for i, _ in fused] == [1, 2]
