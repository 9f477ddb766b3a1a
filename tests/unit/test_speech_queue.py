"""The speech queue's logic, with a fake synthesiser: order, urgent jobs, failures, stopping."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import SpeechError
from assistant.speech.base import Audio
from assistant.speech.queue import SpeechQueue, Utterance
from assistant.speech.sinks import WavOut


class GatedSynth:
    """Synthesises instantly, except that it holds on the text `gate_on` until released."""

    def __init__(self, gate_on: str = "", fail_on: str = "") -> None:
        self.spoken: list[str] = []
        self.gate_on = gate_on
        self.fail_on = fail_on
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, text: str) -> Audio:
        if text == self.gate_on:
            self.holding.set()
            assert self.release.wait(10)
        if text == self.fail_on:
            raise SpeechError("speech worker hung for 1s (speak) and was killed")
        self.spoken.append(text)
        return Audio(pcm=b"\0\0" * 100, sample_rate=16000)


@pytest.fixture
def synth() -> GatedSynth:
    return GatedSynth(gate_on="first")


@pytest.fixture
def queue(synth: GatedSynth) -> Iterator[SpeechQueue]:
    q = SpeechQueue(synth, urgent_cuts=True, max_jobs=8)
    yield q
    synth.release.set()
    q.close()


def say(queue: SpeechQueue, *sentences: str, urgent: bool = False) -> Utterance:
    utt = Utterance(urgent=urgent)
    for s in sentences:
        queue.put(utt, s)
    queue.end(utt)
    return utt


def test_sentences_are_spoken_in_order(queue: SpeechQueue, synth: GatedSynth) -> None:
    synth.gate_on = ""
    utt = say(queue, "a", "b", "c")
    queue.wait(utt)
    assert synth.spoken == ["a", "b", "c"]
    assert utt.sentences == 3 and not utt.failures
    assert utt.first_audio_ms is not None


def test_an_urgent_utterance_cuts_the_queue(queue: SpeechQueue, synth: GatedSynth) -> None:
    first = say(queue, "first")
    assert synth.holding.wait(5)  # the owner is busy with "first"
    later = say(queue, "later one", "later two")
    urgent = say(queue, "URGENT", urgent=True)
    synth.release.set()
    for utt in (first, later, urgent):
        queue.wait(utt)
    assert synth.spoken == ["first", "URGENT", "later one", "later two"]


def test_urgent_jobs_keep_their_own_order(queue: SpeechQueue, synth: GatedSynth) -> None:
    say(queue, "first")
    assert synth.holding.wait(5)
    normal = say(queue, "normal")
    u1 = say(queue, "u1", urgent=True)
    u2 = say(queue, "u2", urgent=True)
    synth.release.set()
    for utt in (normal, u1, u2):
        queue.wait(utt)
    assert synth.spoken == ["first", "u1", "u2", "normal"]


def test_without_cutting_urgent_ones_wait_their_turn(synth: GatedSynth) -> None:
    queue = SpeechQueue(synth, urgent_cuts=False)
    try:
        say(queue, "first")
        assert synth.holding.wait(5)
        later = say(queue, "later")
        urgent = say(queue, "URGENT", urgent=True)
        synth.release.set()
        queue.wait(later)
        queue.wait(urgent)
        assert synth.spoken == ["first", "later", "URGENT"]
    finally:
        queue.close()


def test_a_failed_sentence_is_recorded_and_the_rest_still_spoken(synth: GatedSynth) -> None:
    synth.gate_on, synth.fail_on = "", "two"
    queue = SpeechQueue(synth)
    try:
        utt = say(queue, "one", "two", "three")
        queue.wait(utt)
        after = say(queue, "after")
        queue.wait(after)
    finally:
        queue.close()
    assert synth.spoken == ["one", "three", "after"]
    assert utt.failures == [("two", "speech worker hung for 1s (speak) and was killed")]
    assert not after.failures


def test_a_full_queue_makes_the_caller_wait_and_drops_nothing(
    queue: SpeechQueue, synth: GatedSynth
) -> None:
    say(queue, "first")
    assert synth.holding.wait(5)
    texts = [f"s{i}" for i in range(10)]  # max_jobs is 8
    done: list[Utterance] = []
    caller = threading.Thread(target=lambda: done.append(say(queue, *texts)))
    caller.start()
    caller.join(1.0)
    assert caller.is_alive()  # waiting for room, not dropping s8 and s9
    synth.release.set()
    caller.join(5)
    queue.wait(done[0])
    assert not done[0].failures and synth.spoken == ["first", *texts]


def test_stop_drops_waiting_sentences_after_the_current_one(
    queue: SpeechQueue, synth: GatedSynth
) -> None:
    first = say(queue, "first")
    assert synth.holding.wait(5)
    later = say(queue, "later")
    queue.stop()
    synth.release.set()
    queue.wait(first)
    queue.wait(later)
    assert synth.spoken == ["first"]
    assert later.failures == [("later", "speech is stopping")]
    refused = say(queue, "after stop")
    queue.wait(refused)
    assert refused.failures == [("after stop", "speech is stopping")]


def test_audio_goes_to_the_wav_file_in_order(tmp_path: Path) -> None:
    synth = GatedSynth()
    queue = SpeechQueue(synth)
    try:
        utt = Utterance(wav=WavOut(tmp_path / "out.wav"))
        for s in ("one", "two"):
            queue.put(utt, s)
        queue.end(utt)
        queue.wait(utt)
    finally:
        queue.close()
    assert utt.wav_path == tmp_path / "out.wav"
    assert utt.wav_path.stat().st_size == 44 + 2 * 200  # header + two 100-sample clips


def test_call_runs_in_the_owner_thread_and_reraises(queue: SpeechQueue, synth: GatedSynth) -> None:
    synth.gate_on = ""
    names: list[str] = []
    queue.call(lambda: names.append(threading.current_thread().name))
    assert names == ["speech-queue"]

    def broken() -> None:
        raise SpeechError("cannot start the speech worker")

    with pytest.raises(SpeechError, match="cannot start"):
        queue.call(broken)


def test_waiting_on_a_dead_queue_raises(synth: GatedSynth) -> None:
    queue = SpeechQueue(synth)
    queue.close()
    utt = Utterance()
    with pytest.raises(SpeechError, match="thread has stopped"):
        queue.wait(utt)
