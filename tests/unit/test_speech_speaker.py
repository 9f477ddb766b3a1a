"""The speaker's routing: sinks, quiet hours, device fallback, streaming; with a fake worker.

The worker here is a real child process speaking the real protocol (assistant.speech.worker's
`serve`), with a fake synthesiser instead of espeak-ng; the player is a script that copies.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.clock import FixedClock
from assistant.errors import ModelError, SpeechError
from assistant.speech.base import SkillSpeaker
from assistant.speech.process import WorkerProcess
from assistant.speech.quiet import parse_quiet_hours
from assistant.speech.speaker import WorkerSpeaker
from assistant.testing import FakeSpeaker

FAKE_WORKER = """
import sys
from assistant.speech.worker import serve
class Synth:
    sample_rate = 16000
    def synthesise(self, text):
        if "BROKEN" in text:
            raise RuntimeError("espeak-ng refused")
        return b"\\1\\0" * 16 * len(text)
sys.exit(serve(Synth, sys.stdin.buffer, sys.stdout.buffer))
"""
COPYING_PLAYER = """
import shutil, sys
from pathlib import Path
played = Path(sys.argv[1])
shutil.copy(sys.argv[2], played / f"{len(list(played.iterdir())):03d}.wav")
"""
UTC = ZoneInfo("UTC")


def at(hour: int) -> FixedClock:
    return FixedClock(datetime(2026, 1, 5, hour, 0, tzinfo=UTC), UTC)


@pytest.fixture
def played(tmp_path: Path) -> Path:
    folder = tmp_path / "played"
    folder.mkdir()
    return folder


def make(tmp_path: Path, played: Path, **kw: object) -> WorkerSpeaker:
    options: dict[str, object] = {
        "worker": [sys.executable, "-c", FAKE_WORKER],
        "player": [sys.executable, "-c", COPYING_PLAYER, str(played)],
        "detect_device": lambda: True,
        "text_out": io.StringIO(),
        "quiet_hours": parse_quiet_hours("22:00-07:00"),
        "clock": at(12),
    }
    options.update(kw)
    return WorkerSpeaker(tmp_path / "wav", **options)  # type: ignore[arg-type]


@pytest.fixture
def speaker(tmp_path: Path, played: Path) -> Iterator[WorkerSpeaker]:
    s = make(tmp_path, played)
    yield s
    s.close()


def printed(speaker: WorkerSpeaker) -> str:
    out = speaker.text.out
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def test_by_day_it_plays_each_sentence_on_the_device(speaker: WorkerSpeaker, played: Path) -> None:
    spoken = speaker.say("One. Two. Three.", skill="clock")
    assert (spoken.sink, spoken.sentences, spoken.quiet, spoken.wav) == ("device", 3, False, None)
    assert len(list(played.iterdir())) == 3
    assert printed(speaker) == ""


def test_in_quiet_hours_it_writes_a_wav_and_prints(
    tmp_path: Path, played: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with make(tmp_path, played, clock=at(23)) as speaker:
        spoken = speaker.say("Shh. It is late.", skill="clock")
    assert (spoken.sink, spoken.quiet) == ("wav", True)
    assert spoken.wav is not None and spoken.wav.parent == tmp_path / "wav"
    assert list(played.iterdir()) == []
    assert printed(speaker) == "Shh. It is late.\n"
    assert "said (wav, quiet hours): Shh. It is late." in caplog.text


def test_an_allowed_skill_speaks_aloud_in_quiet_hours(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played, clock=at(3), quiet_hours_skills=["alarm"]) as speaker:
        assert speaker.say("Wake up!", skill="alarm").sink == "device"
        assert speaker.say("Not you.", skill="clock").sink == "wav"
        assert speaker.say("Nor you.").sink == "wav"
    assert len(list(played.iterdir())) == 1


def test_no_quiet_hours(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played, clock=at(3), quiet_hours=None) as speaker:
        assert speaker.say("Night owl.").sink == "device"


def test_skill_speaker_names_the_skill(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played, clock=at(3), quiet_hours_skills=["alarm"]) as speaker:
        assert SkillSpeaker(speaker, "alarm").say("Wake up!").sink == "device"
        assert SkillSpeaker(speaker, "clock").say_stream(["Sleep", " on."]).sink == "wav"
    fake = FakeSpeaker()
    SkillSpeaker(fake, "news").say("Hi.", urgent=True)
    assert fake.calls == [("Hi.", "news", True)]


def test_without_a_device_it_falls_back_and_says_so_once(
    tmp_path: Path, played: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with make(tmp_path, played, detect_device=lambda: False, keep_wav_files=2) as speaker:
        assert speaker.sink == "wav"
        for word in ("One.", "Two.", "Three."):
            assert speaker.say(word).sink == "wav"
    warnings = [r for r in caplog.records if "no audio playback device" in r.message]
    assert len(warnings) == 1
    assert len(list((tmp_path / "wav").glob("speech-*.wav"))) == 2  # rotated
    assert printed(speaker) == "One.\nTwo.\nThree.\n"


def test_a_failing_player_moves_speech_to_wav_for_good(
    tmp_path: Path, played: Path, caplog: pytest.LogCaptureFixture
) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('no such card')"]
    with make(tmp_path, played, player=failing) as speaker:
        first = speaker.say("First try. Second part.")
        second = speaker.say("Later.")
    assert first.sink == "wav" and first.wav is not None and first.wav.is_file()
    assert second.sink == "wav"
    assert sum("the audio device failed" in r.message for r in caplog.records) == 1
    assert "no such card" in caplog.text
    assert printed(speaker) == "First try. Second part.\nLater.\n"


def test_text_sink_needs_no_worker(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played, sink="text", worker=["/nonexistent/worker"]) as speaker:
        spoken = speaker.say_stream(iter(["Just ", "text."]))
    assert (spoken.sink, spoken.text) == ("text", "Just text.")
    assert printed(speaker) == "Just text.\n"


def test_an_explicit_wav_gets_exactly_that_file(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played) as speaker:
        spoken = speaker.say("Into a file. Two sentences.", wav=tmp_path / "out.wav")
    assert spoken.wav == tmp_path / "out.wav" and spoken.wav.stat().st_size > 44
    assert list(played.iterdir()) == [] and printed(speaker) == ""


def test_streaming_queues_each_sentence_before_the_text_ends(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played) as speaker:
        seen: list[int] = []

        def pieces() -> Iterator[str]:
            yield "First sentence. "
            yield "Second"
            # The first sentence was complete two pieces ago; it is already spoken.
            deadline = threading.Event()
            for _ in range(100):
                seen.append(len(list(played.iterdir())))
                if seen[-1] >= 1:
                    break
                deadline.wait(0.05)
            yield " sentence."

        spoken = speaker.say_stream(pieces())
    assert seen[-1] == 1
    assert spoken.text == "First sentence. Second sentence."
    assert spoken.sentences == 2 and len(list(played.iterdir())) == 2


def test_a_failed_sentence_is_printed_and_reported(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played, sink="wav") as speaker:
        with pytest.raises(SpeechError, match=r"1 of 3 sentences not spoken: 'BROKEN one\.'"):
            speaker.say("Fine. BROKEN one. Fine again.")
        assert speaker.say("Still fine.").sink == "wav"
    assert printed(speaker) == "Fine. BROKEN one. Fine again.\nStill fine.\n"


def test_an_unstartable_worker_is_a_speech_error(tmp_path: Path, played: Path) -> None:
    with make(tmp_path, played, sink="wav", worker=["/nonexistent/worker"]) as speaker:
        with pytest.raises(SpeechError, match="cannot start the speech worker"):
            speaker.start()
        with pytest.raises(SpeechError, match="cannot start the speech worker"):
            speaker.say("Hello.")
    assert printed(speaker) == "Hello.\n"


def test_stop_then_close(tmp_path: Path, played: Path) -> None:
    speaker = make(tmp_path, played, sink="wav")
    speaker.start()
    pid = speaker.worker.pid
    speaker.stop()
    with pytest.raises(SpeechError, match="speech is stopping"):
        speaker.say("Too late.")
    speaker.close()
    assert pid is not None and speaker.worker.pid is None


@pytest.mark.parametrize(
    ("script", "timeout", "problem"),
    [
        ("import sys; sys.exit(3)", 30, "exited unexpectedly"),
        ("print('hello, world', flush=True)", 30, "unreadable"),
        ('print(\'{"ok": false, "error": "no voice"}\')', 30, "failed to start: no voice"),
        ("import time; time.sleep(30)", 0.5, r"hung for 0.5s \(start\)"),
    ],
)
def test_broken_workers_are_clear_errors(script: str, timeout: float, problem: str) -> None:
    worker = WorkerProcess([sys.executable, "-c", script], timeout_s=timeout, start_timeout_s=0)
    with pytest.raises(SpeechError, match=problem):
        worker.synthesise("Hello.")
    assert worker.pid is None


def test_a_stream_that_breaks_still_speaks_what_was_complete(
    tmp_path: Path, played: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def pieces() -> Iterator[str]:
        yield "Complete sentence. Half a"
        raise ModelError("the model died")

    with make(tmp_path, played) as speaker:
        with pytest.raises(ModelError, match="died"):
            speaker.say_stream(pieces())
        assert speaker.say("Next.").sink == "device"  # waits behind the broken one's audio
    assert len(list(played.iterdir())) == 2
    assert "broke off after: Complete sentence. Half a" in caplog.text
