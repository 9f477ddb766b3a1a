"""The real speaker: Piper or espeak-ng in one long-lived worker process behind one queue."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from assistant.clock import Clock, SystemClock, load_timezone
from assistant.errors import SpeechError
from assistant.speech.audio import playback_device_present
from assistant.speech.base import Sink, Spoken, WavFile, Who
from assistant.speech.process import WorkerOptions, WorkerProcess, worker_command
from assistant.speech.queue import SpeechQueue, Utterance
from assistant.speech.quiet import QuietHours
from assistant.speech.sentences import SentenceSplitter
from assistant.speech.sinks import Player, TextOut, WavDir, WavLimits, WavOut
from assistant.text import escape_controls

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Route:
    """Where one utterance goes."""

    sink: Sink
    wav: WavOut | None = None
    play: bool = False
    print_text: bool = False
    rotate: bool = False
    quiet: bool = False


class WorkerSpeaker:
    """Speaks through Piper (or espeak-ng) in a worker process that is killed if it hangs.

    The worker and the queue's owner thread start with the first utterance (or `start()`);
    `close()` ends both. A context manager.
    """

    def __init__(
        self,
        wav_dir: Path,
        *,
        sink: str = "auto",
        options: WorkerOptions | None = None,
        timeout_s: float = 30.0,
        wav_limits: WavLimits | None = None,
        keep_wav_files: int | None = None,
        quiet_hours: QuietHours | None = None,
        quiet_hours_skills: Collection[str] = (),
        urgent_cuts_queue: bool = True,
        max_queue: int = 64,
        clock: Clock | None = None,
        text_out: TextIO | None = None,
        worker: list[str] | None = None,
        player: list[str] | None = None,
        detect_device: Callable[[], bool] = playback_device_present,
    ) -> None:
        limits = wav_limits or WavLimits()
        if keep_wav_files is not None:
            limits = WavLimits(keep_wav_files, limits.max_bytes, limits.max_age_s)
        self.wav_dir = WavDir(wav_dir, limits)
        self.wanted_sink = sink
        self.quiet_hours = quiet_hours
        self.quiet_hours_skills = frozenset(quiet_hours_skills)
        self.urgent_cuts_queue = urgent_cuts_queue
        self.max_queue = max_queue
        self.clock = clock or SystemClock(load_timezone(""))
        self.text = TextOut(text_out if text_out is not None else sys.stdout)
        self.worker = WorkerProcess(worker or worker_command(options), timeout_s=timeout_s)
        self.player = Player(player)
        # Detected now, reported at the first utterance (so that CLI commands stay quiet).
        wants_device = sink in ("auto", "device")
        self._device_ok = wants_device and detect_device() and self._player_installed()
        self._warned = False
        self._queue: SpeechQueue | None = None
        self._lock = threading.Lock()

    def _player_installed(self) -> bool:
        return shutil.which(self.player.command[0]) is not None

    @property
    def sink(self) -> Sink:
        """Where speech goes now, outside quiet hours."""
        if self.wanted_sink in ("wav", "text"):
            return "wav" if self.wanted_sink == "wav" else "text"
        return "device" if self._device_ok else "wav"

    def start(self) -> None:
        """Start the queue's thread and the worker now, not at the first utterance."""
        if self.wanted_sink == "text":
            return  # the text sink never needs a voice
        self._started().call(self.worker.start)

    def _started(self) -> SpeechQueue:
        """The queue, started on first use."""
        with self._lock:
            if self._queue is None:
                self._queue = SpeechQueue(
                    self.worker.synthesise,
                    player=self.player,
                    fallback=lambda: WavOut(self.wav_dir.next_path()),
                    on_device_failure=self._device_failed,
                    urgent_cuts=self.urgent_cuts_queue,
                    max_jobs=self.max_queue,
                )
            return self._queue

    def say(
        self, text: str, wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak `text`; with `wav`, write exactly that file instead (see Speaker.say)."""
        return self.say_stream((text,), wav, skill=skill, urgent=urgent)

    def say_stream(
        self, pieces: Iterable[str], wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak each sentence of `pieces` as soon as it is complete (see Speaker.say)."""
        start = time.monotonic()
        route = self._route(wav, skill)
        if route.sink == "text":
            text = "".join(pieces)
            log.info("saying (text): %s", escape_controls(text))
            self.text.print(text)
            return Spoken(text=text, sink="text", ms=_ms(start), quiet=route.quiet)
        utt = Utterance(wav=route.wav, play=route.play, urgent=urgent, started=start)
        text = self._feed(utt, pieces)
        return self._finish(utt, route, text, start)

    def _feed(self, utt: Utterance, pieces: Iterable[str]) -> str:
        """Queue each sentence as soon as it is complete; return the whole text."""
        queue = self._started()
        splitter = SentenceSplitter()
        parts: list[str] = []
        try:
            for piece in pieces:
                parts.append(piece)
                for sentence in splitter.feed(piece):
                    queue.put(utt, sentence)
            for sentence in splitter.flush():
                queue.put(utt, sentence)
        except BaseException:
            log.warning("the text to speak broke off after: %s", escape_controls("".join(parts)))
            raise
        finally:
            queue.end(utt)  # what was complete is still spoken
        queue.wait(utt)
        return "".join(parts)

    def _finish(self, utt: Utterance, route: _Route, text: str, start: float) -> Spoken:
        """Log, print, rotate and report one finished utterance."""
        sink: Sink = "wav" if utt.moved_to_wav else route.sink
        quiet = ", quiet hours" if route.quiet else ""
        log.info("said (%s%s): %s", sink, quiet, escape_controls(text))
        if route.print_text or utt.moved_to_wav or utt.failures:
            self.text.print(text)  # the text sink: nothing is lost, even when audio failed
        if (route.rotate or utt.moved_to_wav) and utt.wav_path is not None:
            self.wav_dir.rotate()
        if utt.failures:
            lost = "; ".join(f"{t!r}: {why}" for t, why in utt.failures[:3])
            raise SpeechError(
                f"{len(utt.failures)} of {utt.sentences} sentences not spoken: {lost}"
            )
        return Spoken(
            text=text,
            sink=sink,
            wav=utt.wav_path,
            ms=_ms(start),
            first_audio_ms=utt.first_audio_ms,
            sentences=utt.sentences,
            quiet=route.quiet,
        )

    def _route(self, wav: Path | None, skill: str | None) -> _Route:
        """Choose the sinks of one utterance: an explicit file, the config's sink, quiet hours."""
        if wav is not None:
            return _Route("wav", wav=WavOut(wav))
        if self.wanted_sink == "text":
            return _Route("text")
        rotated = _Route("wav", wav=WavOut(self.wav_dir.next_path()), print_text=True, rotate=True)
        if self.wanted_sink == "wav":
            return rotated
        if not self._device_ok:
            self._warn_no_device("no audio playback device found")
            return rotated
        if self._quiet_now(skill):
            return _Route(rotated.sink, rotated.wav, print_text=True, rotate=True, quiet=True)
        return _Route("device", play=True)

    def _quiet_now(self, skill: str | None) -> bool:
        """Is it quiet hours now, for this skill?"""
        if self.quiet_hours is None or (skill is not None and skill in self.quiet_hours_skills):
            return False
        return self.clock.now().time() in self.quiet_hours

    def _device_failed(self, exc: SpeechError) -> None:
        """Called by the queue's owner when playing failed: no device from now on."""
        self._device_ok = False
        self._warn_no_device(f"the audio device failed ({exc})")

    def _warn_no_device(self, why: str) -> None:
        """Say once that speech goes to WAV files and text."""
        if not self._warned:
            self._warned = True
            log.warning(
                "%s (sink %r): speech goes to WAV files in %s and to text",
                why,
                self.wanted_sink,
                self.wav_dir.folder,
            )

    def stop(self) -> None:
        """Speak nothing more: the sentence being spoken finishes, queued ones are dropped."""
        with self._lock:
            queue = self._queue
        if queue is not None:
            queue.stop()

    def close(self) -> None:
        """Stop speaking, end the queue's thread and the worker process."""
        with self._lock:
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.close()
        self.worker.close()
        self.player.close()

    def __enter__(self) -> WorkerSpeaker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def list_voices(timeout_s: float = 20.0) -> list[str]:
    """Return espeak-ng's installed voices as `id<TAB>name<TAB>languages` lines."""
    cmd = [sys.executable, "-m", "assistant.speech.worker", "--list-voices"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        raise SpeechError(f"cannot list voices: {exc}") from exc
    return done.stdout.splitlines()


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)
