"""`eval skills --skill clock` with the real bundled model on a few items: the report's keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.quality.evaluate import METRICS
from assistant.quality.exemplars import ExemplarBanks
from assistant.quality.learning import StateLearner
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow


def test_eval_skills_clock_json_on_a_subset(state_dir: Path) -> None:
    # A disliked couplet in the state dir: the clock is evaluated with its rule, replayed.
    disliked = "The sun is up, the sky is blue,\nIt's 08:00 and the day is new."
    StateLearner(state_dir, ExemplarBanks()).disliked("clock", "08:00", disliked)
    done = assistant("eval", "skills", "--skill", "clock", "--limit", "4", "--json", timeout=600)
    [run] = json.loads(done.stdout)["runs"]
    assert run["model"] == "SmolLM2-135M-Instruct.Q4_1" and run["backend"] == "local"
    clock = run["skills"]["clock"]
    assert set(METRICS) <= set(clock)
    assert {"wrong_times", "odd_for_hour", "fallback_rate", "cost_ratio"} <= set(clock)
    assert clock["items"] == 4
    assert clock["wrong_times"] == 0
    assert clock["grounded_rate"] is None  # not a measure of the clock
    replayed = clock["regressions"]
    assert replayed["items"] == 1 and set(replayed) == {"items", "produced_again", "rejected"}
    assert (
        replayed["produced_again"] in (0, 1) and replayed["rejected"] >= replayed["produced_again"]
    )
    # The local engine scores: sense is measured, and a good couplet must make sense.
    assert clock["sense_rate"] is not None and clock["good_rate"] <= clock["sense_rate"]
