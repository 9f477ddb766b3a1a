"""Voices and engines: Piper voices by name or path, the worker's options, the fallback's log."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigError, SpeechError
from assistant.speech.build import worker_options
from assistant.speech.process import WorkerOptions, WorkerProcess, worker_command
from assistant.speech.voices import (
    PIPER_DEFAULT,
    VoiceInfo,
    espeak_voices,
    find_piper_voice,
    piper_voices,
)
from assistant.speech.worker import greeting, parse_args

CONFIG = {"dataset": "alba", "audio": {"quality": "medium"}, "language": {"code": "en_GB"}}


def voice_files(folder: Path, name: str, config: object = CONFIG) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    model.write_bytes(b"onnx")
    model.with_name(f"{name}.onnx.json").write_text(json.dumps(config))
    return model


def test_the_default_voice_is_the_bundled_one() -> None:
    files = find_piper_voice("")
    assert files.model.name == f"{PIPER_DEFAULT}.onnx" and files.model.is_file()
    assert files.config.name == f"{PIPER_DEFAULT}.onnx.json" and files.config.is_file()
    assert find_piper_voice(PIPER_DEFAULT) == files


def test_a_voice_by_path_or_by_name_in_the_voices_dir(tmp_path: Path) -> None:
    model = voice_files(tmp_path / "voices", "en_GB-alba-medium")
    assert find_piper_voice(str(model)).config == model.with_name("en_GB-alba-medium.onnx.json")
    assert find_piper_voice("en_GB-alba-medium", tmp_path / "voices").model == model


@pytest.mark.parametrize(
    ("voice", "problem"),
    [
        ("en_GB-nobody-low", r"no Piper voice 'en_GB-nobody-low' in .*voices \(see"),
        ("/nowhere/x.onnx", "Piper voice file /nowhere/x.onnx does not exist"),
    ],
)
def test_a_missing_voice_is_named(tmp_path: Path, voice: str, problem: str) -> None:
    with pytest.raises(SpeechError, match=problem):
        find_piper_voice(voice, tmp_path / "voices")


def test_a_model_without_its_config_is_missing(tmp_path: Path) -> None:
    model = voice_files(tmp_path, "lonely")
    model.with_name("lonely.onnx.json").unlink()
    with pytest.raises(SpeechError, match=r"lonely\.onnx\.json does not exist"):
        find_piper_voice(str(model))


def test_piper_voices_lists_the_bundled_and_the_downloaded(tmp_path: Path) -> None:
    voice_files(tmp_path, "en_GB-alba-medium")
    voice_files(tmp_path, "broken", config=["not", "an", "object"])
    (tmp_path / "no-config.onnx").write_bytes(b"onnx")
    assert piper_voices(tmp_path) == [
        VoiceInfo(PIPER_DEFAULT, "joe (medium)", "en_US", "piper"),
        VoiceInfo("broken", "broken", "", "piper"),
        VoiceInfo("en_GB-alba-medium", "alba (medium)", "en_GB", "piper"),
    ]


def test_espeak_voices_from_the_workers_lines() -> None:
    assert espeak_voices(["gmw/en\tEnglish (Great Britain)\ten-gb", "odd"]) == [
        VoiceInfo("gmw/en", "English (Great Britain)", "en-gb", "espeak"),
        VoiceInfo("odd", "", "", "espeak"),
    ]
    assert VoiceInfo("a", "b", "c", "espeak").as_json() == {
        "id": "a",
        "name": "b",
        "language": "c",
        "engine": "espeak",
    }


def test_the_section_becomes_the_workers_arguments(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(
        '[speech]\nengine = "espeak"\nvoice = "en-gb"\nrate = 200\nvolume = 0.5\n'
        "sentence_silence = 0.0\nthreads = 2\n"
    )
    options = worker_options(load_config(path).speech, tmp_path / "voices")
    args = parse_args(worker_command(options)[3:])
    assert (args.engine, args.voice, args.rate, args.volume) == ("espeak", "en-gb", 200, 0.5)
    assert (args.sentence_silence, args.threads, args.voices_dir) == (0.0, 2, tmp_path / "voices")
    assert parse_args(WorkerOptions().args()).engine == "piper"


def test_defaults_are_piper_and_its_own_voice(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text("")
    speech = load_config(path).speech
    assert (speech.engine, speech.voice, speech.sentence_silence, speech.threads) == (
        "piper",
        "",
        0.2,
        1,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('engine = "festival"', "speech.engine: Input should be 'piper' or 'espeak'"),
        (
            'engine = "espeak"\nvoice = "en_US-joe-medium.onnx"',
            "speech.voice: 'en_US-joe-medium.onnx' is a Piper voice: it needs engine = 'piper'",
        ),
        ("sentence_silence = -1", "speech.sentence_silence: "),
        ("threads = -1", "speech.threads: "),
    ],
)
def test_bad_engine_settings_name_the_key(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "a.toml"
    path.write_text(f"[speech]\n{text}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert any(problem in line for line in caught.value.problems), caught.value.problems


class Fallen:
    """A synthesiser that stands in for Piper."""

    engine = "espeak"
    voice = ""
    sample_rate = 22050
    fallback = "Piper cannot speak (gone); espeak-ng speaks instead"

    def synthesise(self, text: str) -> bytes:
        return b""


def test_the_greeting_names_the_engine_and_the_fallback() -> None:
    hello = greeting(Fallen(), 12.34)
    assert hello == {
        "ok": True,
        "sample_rate": 22050,
        "engine": "espeak",
        "voice": "",
        "load_ms": 12.3,
        "fallback": Fallen.fallback,
    }


FALLEN_WORKER = f"""
import sys
from assistant.speech.worker import serve
class Fallen:
    engine = "espeak"
    sample_rate = 22050
    fallback = {Fallen.fallback!r}
    def synthesise(self, text):
        return b"\\0\\0" * 100
sys.exit(serve(Fallen, sys.stdin.buffer, sys.stdout.buffer))
"""


def test_the_fallback_is_logged_once_across_restarts(caplog: pytest.LogCaptureFixture) -> None:
    worker = WorkerProcess([sys.executable, "-c", FALLEN_WORKER], timeout_s=30)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert worker.synthesise("Hello.").sample_rate == 22050
            assert (worker.engine, worker.fallback) == ("espeak", Fallen.fallback)
            worker.kill()  # the next sentence starts a new worker, which falls back again
    assert [r.getMessage() for r in caplog.records] == [Fallen.fallback]
    assert worker.kills == 3
