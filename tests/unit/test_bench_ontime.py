"""The paced engine of `bench ontime` holds each piece back to the configured rate."""

from __future__ import annotations

from assistant.bench.ontime import PacedEngine
from assistant.testing import FakeLLM


def test_pieces_come_no_faster_than_the_rate() -> None:
    slept: list[float] = []
    engine = PacedEngine(FakeLLM(["a b c d e"]), tok_s=2.0, sleep=slept.append)
    assert engine.generate("hi") == "a b c d e" and engine.name == "fake@2tok/s"
    # Piece n may leave at n / 2 s after the first; with an instant inner engine every wait
    # is about that long (less the few microseconds the loop itself took).
    pieces = len(list(FakeLLM(["a b c d e"]).stream("hi")))
    assert len(slept) == pieces - 1
    assert [round(s * 2) for s in slept] == list(range(1, pieces))
