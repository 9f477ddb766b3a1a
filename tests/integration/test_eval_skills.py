"""`eval skills --skill clock` with the real bundled model on a few items: the report's keys."""

from __future__ import annotations

import json

import pytest

from assistant.quality.evaluate import METRICS
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow


def test_eval_skills_clock_json_on_a_subset() -> None:
    done = assistant("eval", "skills", "--skill", "clock", "--limit", "4", "--json", timeout=600)
    [run] = json.loads(done.stdout)["runs"]
    assert run["model"] == "SmolLM2-135M-Instruct.Q4_1" and run["backend"] == "local"
    clock = run["skills"]["clock"]
    assert set(METRICS) <= set(clock)
    assert {"wrong_times", "odd_for_hour", "fallback_rate", "cost_ratio"} <= set(clock)
    assert clock["items"] == 4
    assert clock["wrong_times"] == 0
    assert clock["grounded_rate"] is None  # not a measure of the clock
