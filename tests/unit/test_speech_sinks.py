"""The sinks: WAV files that appear whole, rotation by count, size and age, and the text line."""

from __future__ import annotations

import io
import os
import time
import wave
from pathlib import Path

import pytest

from assistant.errors import SpeechError
from assistant.speech.base import Audio
from assistant.speech.sinks import TextOut, WavDir, WavLimits, WavOut

CLIP = Audio(pcm=b"\1\0" * 1600, sample_rate=16000)  # 0.1 s


def test_a_wav_file_appears_only_when_whole(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    out = WavOut(tmp_path / "a" / "x.wav")
    out.write(CLIP)
    out.write(CLIP)
    assert not (tmp_path / "a" / "x.wav").exists()
    assert [p.suffix for p in (tmp_path / "a").iterdir()] == [".part"]
    assert out.close() == tmp_path / "a" / "x.wav"
    with wave.open(str(tmp_path / "a" / "x.wav")) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, 16000)
        assert f.getnframes() == 3200
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["x.wav"]


def test_no_audio_means_no_file(tmp_path: Path) -> None:
    assert WavOut(tmp_path / "x.wav").close() is None
    assert list(tmp_path.iterdir()) == []


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    out = WavOut(tmp_path / "x.wav")
    out.write(CLIP)
    out.abort()
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_a_speech_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SpeechError, match="is not a folder"):
        WavOut(tmp_path / "file" / "x.wav").write(CLIP)


def test_a_changed_sample_rate_is_refused(tmp_path: Path) -> None:
    out = WavOut(tmp_path / "x.wav")
    out.write(CLIP)
    with pytest.raises(SpeechError, match="sample rate changed"):
        out.write(Audio(pcm=b"\0\0", sample_rate=22050))


def make_files(folder: WavDir, count: int, size: int = 100) -> list[Path]:
    paths = [folder.next_path() for _ in range(count)]
    folder.folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        p.write_bytes(b"\0" * size)
    return paths


def test_names_sort_in_the_order_they_were_made(tmp_path: Path) -> None:
    folder = WavDir(tmp_path)
    paths = [folder.next_path() for _ in range(20)]
    assert sorted(paths) == paths
    assert all(p.name.startswith("speech-") and p.suffix == ".wav" for p in paths)


def test_rotation_keeps_the_newest_by_count(tmp_path: Path) -> None:
    folder = WavDir(tmp_path, WavLimits(keep_files=3))
    paths = make_files(folder, 5)
    assert folder.rotate() == paths[:2]
    assert sorted(tmp_path.glob("*.wav")) == paths[2:]


def test_rotation_by_total_size(tmp_path: Path) -> None:
    folder = WavDir(tmp_path, WavLimits(keep_files=100, max_bytes=250))
    paths = make_files(folder, 4, size=100)
    assert folder.rotate() == paths[:2]


def test_rotation_by_age(tmp_path: Path) -> None:
    folder = WavDir(tmp_path, WavLimits(keep_files=100, max_age_s=3600))
    paths = make_files(folder, 3)
    old = time.time() - 7200
    os.utime(paths[0], (old, old))
    assert folder.rotate() == [paths[0]]


def test_rotation_never_deletes_the_newest_file(tmp_path: Path) -> None:
    folder = WavDir(tmp_path, WavLimits(keep_files=1, max_bytes=10, max_age_s=1))
    paths = make_files(folder, 2, size=100)
    old = time.time() - 7200
    os.utime(paths[1], (old, old))
    assert folder.rotate() == [paths[0]]
    assert paths[1].exists()


def test_rotation_leaves_other_files_alone(tmp_path: Path) -> None:
    folder = WavDir(tmp_path, WavLimits(keep_files=1))
    (tmp_path / "mine.wav").write_bytes(b"x")
    make_files(folder, 3)
    folder.rotate()
    assert (tmp_path / "mine.wav").exists()


def test_text_out_prints_one_line() -> None:
    buf = io.StringIO()
    TextOut(buf).print("Good morning.")
    assert buf.getvalue() == "Good morning.\n"


def test_a_closed_text_out_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    buf = io.StringIO()
    buf.close()
    TextOut(buf).print("lost?")
    assert "lost?" in caplog.text
