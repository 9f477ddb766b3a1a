"""The clock skill with the real bundled model: never a wrong time, for many random times."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.testing import FixedClock, fake_context
from skills._lib.timecheck import wrong_time
from skills.clock import ClockSkill
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    # One thread: on a CPU shared with other jobs, llama.cpp's spinning threads collapse (a
    # generation measured 8x slower with two), and the sense rule samples more candidates.
    llm = LocalEngine(resolve_model(DEFAULT_MODEL), threads=1)
    yield llm
    llm.close()


def test_many_random_times_are_always_right(engine: LocalEngine, tmp_path: Path) -> None:
    rng = random.Random(20260314)
    skill = ClockSkill()
    from_model = 0
    for _ in range(25):
        moment = datetime(2026, 1, 1) + timedelta(minutes=rng.randrange(366 * 24 * 60))
        reply = skill.run(fake_context(FixedClock(moment), tmp_path, llm=engine))  # type: ignore[arg-type]
        assert wrong_time(reply.text, moment) is None, (moment, reply.text)
        from_model += not reply.data["fallback"]
    # The model must be doing real work, not the fallback every time.
    assert from_model >= 5, f"only {from_model}/25 couplets came from the model"


def test_run_skill_cli_at_a_fixed_time() -> None:
    done = assistant("run-skill", "clock", "--at", "2026-03-14T13:45:00", "--no-speak", "--json")
    out = json.loads(done.stdout)
    assert set(out) >= {"skill", "text", "sources", "tainted", "model", "timings"}
    assert out["skill"] == "clock" and out["tainted"] is False
    assert out["model"] == "SmolLM2-135M-Instruct.Q4_1"
    assert wrong_time(out["text"], datetime(2026, 3, 14, 13, 45)) is None
    assert "13:45" in out["text"] or "1:45" in out["text"]
