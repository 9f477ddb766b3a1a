"""The real speaker: espeak-ng writes real WAV files; a hung worker is killed and speech goes on."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

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
from assistant.speech.espeak import EspeakSpeaker, list_voices
from assistant.testing import fake_context
from tests.integration.helpers import HANGING_WORKER, assistant

pytestmark = pytest.mark.slow
UTC = ZoneInfo("UTC")


def soxi(flag: str, path: Path) -> str:
    return subprocess.run(
        ["soxi", flag, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def seconds(path: Path) -> float:
    return float(soxi("-D", path))


def test_say_writes_a_real_wav(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = assistant("say", "Good morning", "--wav", str(out))
    assert "Good morning" in done.stdout
    assert soxi("-t", out) == "wav"
    assert seconds(out) > 0.3
    assert int(soxi("-r", out)) >= 16000
    assert soxi("-c", out) == "1"


def test_one_worker_serves_many_utterances_into_rotated_wav_files(tmp_path: Path) -> None:
    with EspeakSpeaker(
        tmp_path / "speech", sink="wav", keep_wav_files=2, text_out=io.StringIO()
    ) as speaker:
        speaker.start()
        pid = speaker.worker.pid
        for word in ("one", "two", "three"):
            spoken = speaker.say(word)
            assert spoken.sink == "wav" and spoken.wav is not None and seconds(spoken.wav) > 0.2
        assert speaker.worker.pid == pid  # not one process per utterance
    assert len(list((tmp_path / "speech").glob("*.wav"))) == 2


def test_a_long_text_is_one_wav_of_all_its_sentences(tmp_path: Path) -> None:
    with EspeakSpeaker(tmp_path, text_out=io.StringIO()) as speaker:
        one = speaker.say("Good morning.", wav=tmp_path / "one.wav")
        three = speaker.say(
            "Good morning. It is 7:30 a.m. and 3.5 degrees. Dr. Smith says hello!",
            wav=tmp_path / "three.wav",
        )
    assert one.sentences == 1 and three.sentences == 3
    assert seconds(tmp_path / "three.wav") > 2 * seconds(tmp_path / "one.wav")


def test_a_hanging_worker_is_killed_and_the_queue_goes_on(tmp_path: Path) -> None:
    text_out = io.StringIO()
    speaker = EspeakSpeaker(
        tmp_path,
        sink="wav",
        timeout_s=1.0,
        worker=[sys.executable, "-c", HANGING_WORKER],
        text_out=text_out,
    )
    with speaker:
        assert speaker.say("Before the hang.").wav is not None
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
    worker = [sys.executable, "-c", HANGING_WORKER]
    with EspeakSpeaker(
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

    with EspeakSpeaker(tmp_path, text_out=io.StringIO()) as speaker:
        speaker.start()
        t0 = time.monotonic()
        spoken = speaker.say_stream(pieces(), wav=tmp_path / "stream.wav")
    assert spoken.sentences >= 2, spoken.text
    assert spoken.first_audio_ms is not None
    # The first sentence's audio existed before the model had finished writing.
    assert t0 + spoken.first_audio_ms / 1000 < ended[0]
    assert seconds(tmp_path / "stream.wav") > 3


def test_bench_speak_reports_its_keys() -> None:
    done = assistant("bench", "speak", "--json", "--runs", "1", "--threads", "1")
    report = json.loads(done.stdout)
    for key in ("ttfa_batch_ms", "ttfa_stream_ms", "ttfa_ratio"):
        assert isinstance(report[key], float) and report[key] > 0
    assert report["ttfa_ratio"] == pytest.approx(
        report["ttfa_stream_ms"] / report["ttfa_batch_ms"], rel=0.01
    )
    assert report["sentences"] >= 2
    assert set(report["memory_mb"]["process"]) == {"anon_mb", "file_mb"}


def test_voices_are_listed() -> None:
    voices = list_voices()
    assert any("en" in line for line in voices)
    rows = json.loads(assistant("voices", "--json").stdout)
    assert {"id", "name", "language"} <= set(rows[0])


@pytest.mark.parametrize("voice", ["en-gb", "English (America)", "gmw/en"])
def test_voices_by_language_name_or_id(tmp_path: Path, voice: str) -> None:
    with EspeakSpeaker(tmp_path, voice=voice) as speaker:
        assert speaker.say("hello", wav=tmp_path / "v.wav").wav == tmp_path / "v.wav"


def test_an_unknown_voice_is_a_clear_error(tmp_path: Path) -> None:
    with (
        EspeakSpeaker(tmp_path, voice="nosuchvoice", text_out=io.StringIO()) as speaker,
        pytest.raises(SpeechError, match="no voice 'nosuchvoice'"),
    ):
        speaker.say("hello", wav=tmp_path / "v.wav")
