"""The real speaker: one isolated espeak-ng worker process per utterance, with a timeout."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from assistant.errors import SpeechError
from assistant.speech.audio import playback_device_present
from assistant.speech.base import Sink, Spoken

log = logging.getLogger(__name__)


class EspeakSpeaker:
    """Speaks through pyttsx3 + espeak-ng in a child process that is killed if it hangs."""

    def __init__(
        self,
        wav_dir: Path,
        *,
        sink: str = "auto",
        voice: str = "",
        rate: int = 165,
        volume: float = 1.0,
        timeout_s: float = 30.0,
        keep_wav_files: int = 50,
        text_out: TextIO | None = None,
    ) -> None:
        self.wav_dir = wav_dir
        self.voice, self.rate, self.volume = voice, rate, volume
        self.timeout_s = timeout_s
        self.keep_wav_files = keep_wav_files
        self.text_out = text_out if text_out is not None else sys.stdout
        self.worker = [sys.executable, "-m", "assistant.speech.worker"]
        self.wanted_sink = sink
        self._sink: Sink | None = None

    @property
    def sink(self) -> Sink:
        """Where speech goes, decided at the first utterance (so the CLI stays quiet)."""
        if self._sink is None:
            self._sink = self._choose_sink(self.wanted_sink)
        return self._sink

    def _choose_sink(self, wanted: str) -> Sink:
        """Pick the device when it exists, else WAV + text, and say so once."""
        if wanted in ("wav", "text"):
            return "wav" if wanted == "wav" else "text"
        if playback_device_present():
            return "device"
        log.warning(
            "no audio playback device found (sink %r): speech goes to WAV files in %s and to text",
            wanted,
            self.wav_dir,
        )
        return "wav"

    def say(self, text: str, wav: Path | None = None) -> Spoken:
        """Speak `text`; with `wav`, write exactly that file instead of playing."""
        start = time.monotonic()
        log.info("saying: %s", text)
        sink: Sink = "wav" if wav is not None else self.sink
        if sink == "text":
            self._print(text)
            return Spoken(text=text, sink="text", ms=_ms(start))
        target = wav
        if sink == "wav" and target is None:
            target = self._next_wav_path()
            self._print(text)
        self._run_worker(text, target)
        if target is not None and not target.is_file():
            raise SpeechError(f"the speech worker wrote no WAV file at {target}")
        if wav is None and sink == "wav":
            self._rotate()
        return Spoken(text=text, sink=sink, wav=target, ms=_ms(start))

    def _run_worker(self, text: str, out: Path | None) -> None:
        """Run one worker; kill it at the timeout."""
        cmd = [*self.worker, "--rate", str(self.rate), "--volume", str(self.volume)]
        if self.voice:
            cmd += ["--voice", self.voice]
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            cmd += ["--out", str(out)]
        try:
            # Its own session, so that a player it started dies with it.
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        except OSError as exc:
            raise SpeechError(f"cannot start the speech worker: {exc}") from exc
        try:
            _out, err = proc.communicate(text, timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()  # reap it and close its pipes
            raise SpeechError(
                f"speech worker hung for {self.timeout_s:g}s and was killed"
            ) from None
        if proc.returncode != 0:
            last = (err.strip().splitlines() or ["no message"])[-1]
            raise SpeechError(f"speech worker failed (exit {proc.returncode}): {last}")

    def _print(self, text: str) -> None:
        """Write the text sink's line."""
        print(text, file=self.text_out, flush=True)

    def _next_wav_path(self) -> Path:
        """A fresh, sortable file name in the WAV directory."""
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        return self.wav_dir / f"speech-{stamp}.wav"

    def _rotate(self) -> None:
        """Keep only the newest `keep_wav_files` WAV files."""
        files = sorted(self.wav_dir.glob("speech-*.wav"))
        for old in files[: max(0, len(files) - self.keep_wav_files)]:
            old.unlink(missing_ok=True)


def list_voices(timeout_s: float = 20.0) -> list[str]:
    """Return the installed voices as `id<TAB>name<TAB>languages` lines."""
    cmd = [sys.executable, "-m", "assistant.speech.worker", "--list-voices"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        raise SpeechError(f"cannot list voices: {exc}") from exc
    return done.stdout.splitlines()


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)
