"""The real speaker: espeak-ng writes real WAV files; a hung worker is killed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.errors import SpeechError
from assistant.speech.espeak import EspeakSpeaker, list_voices
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow


def soxi(flag: str, path: Path) -> str:
    return subprocess.run(
        ["soxi", flag, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_say_writes_a_real_wav(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = assistant("say", "Good morning", "--wav", str(out))
    assert "Good morning" in done.stdout
    assert soxi("-t", out) == "wav"
    assert float(soxi("-D", out)) > 0.3  # seconds of audio
    assert int(soxi("-r", out)) >= 16000


def test_without_a_device_speech_goes_to_rotated_wav_files(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(tmp_path / "speech", sink="wav", keep_wav_files=2)
    for word in ("one", "two", "three"):
        spoken = speaker.say(word)
        assert spoken.sink == "wav" and spoken.wav is not None and spoken.wav.is_file()
    assert len(list((tmp_path / "speech").glob("*.wav"))) == 2


def test_a_hanging_worker_is_killed_at_its_timeout(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(tmp_path, sink="wav", timeout_s=1.0)
    speaker.worker = [sys.executable, "-c", "import time; time.sleep(60)"]
    t0 = time.monotonic()
    with pytest.raises(SpeechError, match="hung"):
        speaker.say("hello", wav=tmp_path / "x.wav")
    assert time.monotonic() - t0 < 5
    speaker.worker = EspeakSpeaker(tmp_path).worker
    assert speaker.say("still here", wav=tmp_path / "y.wav").wav == tmp_path / "y.wav"


def test_voices_are_listed() -> None:
    voices = list_voices()
    assert any("en" in line for line in voices)


@pytest.mark.parametrize("voice", ["en-gb", "English (America)", "gmw/en"])
def test_voices_by_language_name_or_id(tmp_path: Path, voice: str) -> None:
    speaker = EspeakSpeaker(tmp_path, voice=voice)
    assert speaker.say("hello", wav=tmp_path / "v.wav").wav == tmp_path / "v.wav"


def test_an_unknown_voice_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no voice 'nosuchvoice'"):
        EspeakSpeaker(tmp_path, voice="nosuchvoice").say("hello", wav=tmp_path / "v.wav")
