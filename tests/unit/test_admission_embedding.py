"""Admission of heavy embedding, batch by batch: held while a briefing is under way or memory is
short, slowed past the wait, never for a query or for the briefing's own work (readings
injected)."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.admission import ON_BEHALF_OF, EmbedGate, Limits
from assistant.config import Config
from assistant.retrieval.embedder import DIM, IdleModel
from assistant.service.daemon import Daemon
from assistant.service.text import status_text
from assistant.skillconfig import SkillPlan
from assistant.testing import FakeSpeaker, FixedClock
from tests.fakeapp import fake_app
from tests.unit.test_admission import MEMINFO, sensors

BUSY = "briefing is being prepared or spoken"
DUE = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


class Counting(IdleModel):
    """An embedder that notes the size of each batch it embeds."""

    def __init__(self, batch: int = 32) -> None:
        super().__init__(batch=batch, idle_s=60)
        self.batches: list[int] = []

    def _load(self) -> Any:
        return object()

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.batches.append(len(texts))
        return np.zeros((len(texts), DIM), np.float32)


class Pauses:
    """The gate's sleep: notes each pause and the gate's state then; `then` runs after the
    n-th pause (the briefing ends, memory comes back)."""

    def __init__(self) -> None:
        self.taken: list[float] = []
        self.seen: list[dict[str, Any]] = []
        self.gate: EmbedGate | None = None
        self.after = 0
        self.then = lambda: None

    def __call__(self, seconds: float) -> None:
        assert self.gate is not None
        self.taken.append(seconds)
        self.seen.append(self.gate.state())
        if len(self.taken) == self.after:
            self.then()


def gated(tmp_path: Path, busy: list[str], *, mem_kb: int = 2_000_000, **kw: Any) -> Any:
    pauses = Pauses()
    gate = EmbedGate(Limits(), sensors=sensors(tmp_path, mem_kb=mem_kb), sleep=pauses, **kw)
    gate.busy = lambda: list(busy)
    pauses.gate = gate
    model = Counting()
    model.gate = gate
    return model, gate, pauses


@pytest.mark.parametrize("why", ["briefing", "memory"])
def test_heavy_batches_wait_until_the_briefing_ends_or_memory_returns(
    tmp_path: Path, why: str
) -> None:
    busy = ["briefing"] if why == "briefing" else []
    short = why == "memory"
    model, gate, pauses = gated(tmp_path, busy, mem_kb=100_000 if short else 2_000_000, poll_s=5)

    def quiet_again() -> None:
        (tmp_path / "meminfo").write_text(MEMINFO.format(kb=2_000_000))
        busy.clear()

    pauses.after, pauses.then = 2, quiet_again
    vectors = model.embed([f"note {n}" for n in range(70)])
    assert vectors.shape == (70, DIM) and model.batches == [32, 32, 6]
    assert pauses.taken == [5.0, 5.0]  # two polls, then admitted; nothing embedded meanwhile
    reason = BUSY if why == "briefing" else "only 98 MiB available (< 200)"
    assert [s["state"] for s in pauses.seen] == ["deferred"] * 2
    assert pauses.seen[0]["reasons"] == [reason]
    state = gate.state()
    assert state["state"] == "idle" and state["deferred_s"] == 10.0


def test_a_query_is_never_held(tmp_path: Path) -> None:
    model, _gate, pauses = gated(tmp_path, ["briefing"])
    assert model.embed(["when is the bin day"]).shape == (1, DIM)
    assert pauses.taken == [] and model.batches == [1]


def test_past_the_wait_a_job_goes_on_slowed(tmp_path: Path) -> None:
    model, gate, pauses = gated(tmp_path, [], max_wait_s=3.0, poll_s=2.0)
    (tmp_path / "get_throttled").write_text("0x50005\n")  # throttled now, and it stays so
    model.embed([f"note {n}" for n in range(70)])
    assert model.batches == [32, 32, 6]
    # The wait budget (2 s + 1 s), then a rest before each batch as long as the last one took.
    assert pauses.taken[:2] == [2.0, 1.0] and len(pauses.taken) == 2 + 3
    assert pauses.seen[0]["state"] == "deferred" and pauses.seen[2]["state"] == "slowed"
    assert pauses.seen[2]["reasons"] == ["the SoC is throttled (get_throttled)"]
    assert gate.state()["slowed_batches"] == 3 and gate.state()["deferred_s"] == 3.0


def test_the_briefings_own_embedding_is_not_held_but_another_skills_is(tmp_path: Path) -> None:
    model, _gate, pauses = gated(tmp_path, ["briefing"], max_wait_s=4.0, poll_s=2.0)

    def as_skill(name: str) -> None:
        ON_BEHALF_OF.set(name)
        model.embed([f"exemplar {n}" for n in range(40)])

    contextvars.copy_context().run(as_skill, "briefing")
    assert pauses.taken == []
    contextvars.copy_context().run(as_skill, "seuss-news")
    assert pauses.taken[:2] == [2.0, 2.0] and pauses.seen[0]["reasons"] == [BUSY]


def test_the_daemon_holds_its_embedders_for_its_briefings_and_status_says_so(
    tmp_path: Path, started: list[Daemon]
) -> None:
    config = Config.model_validate(
        {"assistant": {"greeting": "", "timezone": "UTC"}, "service": {"control_socket": False}}
    )
    app = fake_app(tmp_path, config, SkillPlan([], [], []), FakeSpeaker(), FixedClock(DUE))
    daemon = Daemon(app, rebuild=lambda a: a, sync=lambda: True)
    daemon.start()
    started.append(daemon)
    assert app.heavy.busy == daemon.briefing_busy and app.heavy.stop is daemon.stopping
    answer = daemon.status()
    assert answer["admission"]["embedding"]["state"] == "idle"
    assert "embedding:" not in status_text(answer)
    answer["admission"]["embedding"] = {"state": "deferred", "reasons": [BUSY]}
    assert f"embedding: deferred ({BUSY})" in status_text(answer).splitlines()
