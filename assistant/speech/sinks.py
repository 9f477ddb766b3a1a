"""Where audio goes: a WAV file (rotated by count, size and age), the sound card, or text."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from assistant.errors import SpeechError
from assistant.files import UnsafeTargetError, check_target, create_exclusive, publish
from assistant.speech.base import Audio
from assistant.text import escape_controls

log = logging.getLogger(__name__)
WAV_GLOB = "speech-*.wav"
# A player gets the audio's length plus this long before it is taken for hung.
PLAY_MARGIN_S = 10.0


class WavOut:
    """One WAV file written sentence by sentence; it appears under its name only when whole.

    The audio goes to a temp file created exclusively (never following a planted symlink)
    beside the target, which is then published: never over an existing entry unless `force`,
    never over a device or FIFO, and never into a folder that does not exist.
    """

    def __init__(self, path: Path, *, force: bool = False) -> None:
        self.path = path
        self.force = force
        self._part: Path | None = None
        self._file: BinaryIO | None = None
        self._writer: wave.Wave_write | None = None
        self._rate = 0

    def write(self, audio: Audio) -> None:
        """Append `audio`; raise SpeechError when the disk or the target refuses it."""
        try:
            if self._writer is None:
                check_target(self.path, force=self.force)
                fd, self._part = create_exclusive(self.path)
                self._file = os.fdopen(fd, "wb")
                self._writer = wave.open(self._file, "wb")  # noqa: SIM115 (closed by close())
                self._writer.setnchannels(1)
                self._writer.setsampwidth(2)
                self._writer.setframerate(audio.sample_rate)
                self._rate = audio.sample_rate
            if audio.sample_rate != self._rate:
                self.abort()  # the caller drops this file: leave nothing half-written
                raise SpeechError(f"sample rate changed from {self._rate} to {audio.sample_rate}")
            self._writer.writeframes(audio.pcm)
        except UnsafeTargetError as exc:
            self.abort()
            raise SpeechError(str(exc)) from exc
        except OSError as exc:
            self.abort()
            raise SpeechError(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def close(self) -> Path | None:
        """Finish the file and give it its name; None when no audio was written."""
        if self._writer is None or self._part is None or self._file is None:
            return None
        try:
            self._writer.close()
            self._file.close()
            publish(self._part, self.path, force=self.force)
        except UnsafeTargetError as exc:
            raise SpeechError(str(exc)) from exc
        except OSError as exc:
            raise SpeechError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        finally:
            self.abort()
        return self.path

    def abort(self) -> None:
        """Drop a half-written file."""
        writer, self._writer = self._writer, None
        out, self._file = self._file, None
        part, self._part = self._part, None
        with contextlib.suppress(OSError):
            if writer is not None:
                writer.close()
        with contextlib.suppress(OSError):
            if out is not None:
                out.close()
        with contextlib.suppress(OSError):
            if part is not None:
                part.unlink(missing_ok=True)


@dataclass(frozen=True)
class WavLimits:
    """How many WAV files the rotated sink keeps, and how many bytes and how old at most."""

    keep_files: int = 50
    max_bytes: int = 100 * 1024 * 1024
    max_age_s: float = 7 * 86400


class WavDir:
    """The folder of rotated WAV files (`speech-<time>-<n>.wav`, oldest first by name)."""

    def __init__(self, folder: Path, limits: WavLimits | None = None) -> None:
        self.folder = folder
        self.limits = limits or WavLimits()
        self._count = 0
        self._lock = threading.Lock()

    def next_path(self) -> Path:
        """A fresh file name that sorts after every earlier one."""
        with self._lock:
            self._count += 1
            n = self._count
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        # Ours to create (WavOut never creates folders); private like the state dir. A folder
        # that cannot be made is reported by the write, as a SpeechError.
        with contextlib.suppress(OSError):
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.folder / f"speech-{stamp}-{n:04d}.wav"

    def rotate(self, now: float | None = None) -> list[Path]:
        """Delete the oldest files beyond the count, size or age limit (never the newest)."""
        moment = time.time() if now is None else now
        files: list[tuple[Path, int, float]] = []
        for path in sorted(self.folder.glob(WAV_GLOB)):
            try:
                st = path.stat()
            except OSError:
                continue  # removed meanwhile
            files.append((path, st.st_size, st.st_mtime))
        doomed: list[Path] = []
        total = sum(size for _p, size, _m in files)
        for i, (path, size, mtime) in enumerate(files[:-1]):
            left = len(files) - i
            too_old = moment - mtime > self.limits.max_age_s
            if left > self.limits.keep_files or total > self.limits.max_bytes or too_old:
                doomed.append(path)
                total -= size
        for path in doomed:
            path.unlink(missing_ok=True)
        return doomed


class TextOut:
    """Prints each utterance as one line (stdout, or the journal under systemd)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()

    def print(self, text: str) -> None:
        """Write `text` on its own line."""
        with self._lock:
            try:
                print(escape_controls(text, keep="\n\t"), file=self.out, flush=True)
            except (OSError, ValueError):  # a closed stdout must not stop speech
                log.warning("text sink failed; the text was: %s", escape_controls(text))


class Player:
    """Plays audio on the sound card through a player command (aplay); one clip at a time.

    A clip starts while the next sentence is being synthesised; the next clip waits for it.
    """

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or ["aplay", "-q"]
        self._proc: subprocess.Popen[bytes] | None = None
        self._limit = 0.0
        self._dir = tempfile.TemporaryDirectory(prefix="assistant-play-")
        self._n = 0

    def play(self, audio: Audio) -> None:
        """Start playing `audio` after the clip before it; raise SpeechError if playing fails."""
        self.drain()
        self._n += 1
        path = Path(self._dir.name) / f"clip-{self._n % 4}.wav"
        out = WavOut(path, force=True)  # our own clip names, reused
        out.write(audio)
        out.close()
        try:
            self._proc = subprocess.Popen(
                [*self.command, str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise SpeechError(f"cannot start the player {self.command[0]}: {exc}") from exc
        self._limit = time.monotonic() + audio.seconds + PLAY_MARGIN_S

    def drain(self) -> None:
        """Wait for the clip that plays now; raise SpeechError when it failed or hung."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            _out, err = proc.communicate(timeout=max(0.1, self._limit - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise SpeechError(f"the player {self.command[0]} hung and was killed") from None
        if proc.returncode != 0:
            last = (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise SpeechError(f"the player {self.command[0]} failed: {last}")

    def close(self) -> None:
        """Stop playing and remove the clips."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.communicate()
            self._proc = None
        self._dir.cleanup()
