"""The one speech queue: sentences in, audio out, one owner thread for the worker and the device."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import SpeechError
from assistant.speech.base import Audio
from assistant.speech.sinks import Player, WavOut

log = logging.getLogger(__name__)
WAIT_TICK_S = 0.25


@dataclass
class Utterance:
    """One say() call: where its audio goes, and what became of its sentences."""

    wav: WavOut | None = None
    play: bool = False
    urgent: bool = False
    started: float = field(default_factory=time.monotonic)
    first_audio_at: float | None = None
    sentences: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    moved_to_wav: bool = False
    wav_path: Path | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def first_audio_ms(self) -> float | None:
        """From the call to the first PCM ready for the device."""
        if self.first_audio_at is None:
            return None
        return round((self.first_audio_at - self.started) * 1000, 1)


@dataclass(frozen=True)
class _Job:
    """A sentence to speak, or (text None) the end of its utterance, or a call to make."""

    utterance: Utterance
    text: str | None
    call: Callable[[], None] | None = None


class SpeechQueue:
    """Jobs wait here; the owner thread synthesises each and hands its audio to the sinks.

    Only the owner thread touches the worker process and the player. Urgent jobs go before
    every waiting non-urgent one when `urgent_cuts` is on; the sentence being spoken finishes.
    """

    def __init__(
        self,
        synthesise: Callable[[str], Audio],
        *,
        player: Player | None = None,
        fallback: Callable[[], WavOut] | None = None,
        on_device_failure: Callable[[SpeechError], None] | None = None,
        urgent_cuts: bool = True,
        max_jobs: int = 64,
    ) -> None:
        self._synthesise = synthesise
        self._player = player
        self._fallback = fallback
        self._on_device_failure = on_device_failure
        self.urgent_cuts = urgent_cuts
        self.max_jobs = max_jobs
        self._jobs: deque[_Job | None] = deque()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._own, name="speech-queue", daemon=True)
        self._thread.start()

    def put(self, utterance: Utterance, text: str) -> None:
        """Queue one sentence, waiting while the queue is full; a stopped queue records it
        as not spoken. A long text is never cut at `max_jobs` sentences: it waits its turn."""
        with self._cond:
            utterance.sentences += 1
            while not self._stopped and self._waiting() >= self.max_jobs:
                if not self._thread.is_alive():
                    utterance.failures.append((text, "the speech queue's thread has stopped"))
                    return
                self._cond.wait(WAIT_TICK_S)
            if self._stopped:
                utterance.failures.append((text, "speech is stopping"))
                return
            self._insert(_Job(utterance, text))

    def _waiting(self) -> int:
        """Sentences queued and not yet taken by the owner (hold the lock)."""
        return sum(1 for j in self._jobs if j is not None and j.text is not None)

    def end(self, utterance: Utterance) -> None:
        """Mark the end of an utterance (always accepted, so that it finishes)."""
        with self._cond:
            self._insert(_Job(utterance, None))

    def _insert(self, job: _Job) -> None:
        """Append, or put an urgent job after the urgent ones already waiting."""
        if job.utterance.urgent and self.urgent_cuts:
            at = next(
                (i for i, j in enumerate(self._jobs) if j is not None and not j.utterance.urgent),
                len(self._jobs),
            )
            self._jobs.insert(at, job)
        else:
            self._jobs.append(job)
        self._cond.notify()

    def call(self, fn: Callable[[], None]) -> None:
        """Run `fn` in the owner thread (after what is queued) and wait for it; re-raise."""
        errors: list[SpeechError] = []

        def guarded() -> None:
            try:
                fn()
            except SpeechError as exc:
                errors.append(exc)

        utterance = Utterance()
        with self._cond:
            self._insert(_Job(utterance, None, call=guarded))
        self.wait(utterance)
        if errors:
            raise errors[0]

    def wait(self, utterance: Utterance) -> None:
        """Block until the utterance is done; raise SpeechError if the owner thread is gone."""
        while not utterance.done.wait(WAIT_TICK_S):
            if not self._thread.is_alive():
                raise SpeechError("the speech queue's thread has stopped")

    def stop(self) -> None:
        """Speak nothing more: the sentence being spoken finishes, waiting ones are dropped."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop, let the owner finish what it holds, and end its thread."""
        self.stop()
        with self._cond:
            self._jobs.append(None)
            self._cond.notify()
        self._thread.join(timeout_s)

    def _own(self) -> None:
        """The owner thread: take jobs until the closing marker."""
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                job = self._jobs.popleft()
                stopped = self._stopped
                self._cond.notify_all()  # a caller may be waiting for room
            if job is None:
                return
            try:
                if job.call is not None:
                    try:
                        job.call()
                    finally:
                        job.utterance.done.set()
                elif job.text is None:
                    self._finish(job.utterance)
                elif stopped:
                    job.utterance.failures.append((job.text, "speech is stopping"))
                else:
                    self._speak(job.utterance, job.text)
            except Exception as exc:  # the owner must outlive any one job
                log.exception("speech job failed")
                job.utterance.failures.append((job.text or "", repr(exc)))
                if job.text is None:
                    job.utterance.done.set()

    def _speak(self, utt: Utterance, text: str) -> None:
        """Synthesise one sentence and hand its audio on."""
        try:
            audio = self._synthesise(text)
        except SpeechError as exc:
            log.error("could not speak %r: %s", text, exc)
            utt.failures.append((text, str(exc)))
            return
        if utt.first_audio_at is None:
            utt.first_audio_at = time.monotonic()
        if utt.play and self._player is not None:
            try:
                self._player.play(audio)
            except SpeechError as exc:
                self._device_failed(utt, exc)
        if utt.wav is not None:
            try:
                utt.wav.write(audio)
            except SpeechError as exc:
                log.error("could not write %r: %s", text, exc)
                utt.failures.append((text, str(exc)))
                utt.wav = None

    def _device_failed(self, utt: Utterance, exc: SpeechError) -> None:
        """Move this utterance (and, via the callback, later ones) to a WAV file."""
        utt.play = False
        if self._on_device_failure is not None:
            self._on_device_failure(exc)
        if utt.wav is None and self._fallback is not None:
            utt.wav = self._fallback()
            utt.moved_to_wav = True

    def _finish(self, utt: Utterance) -> None:
        """Wait for the device, close the WAV file, and release the waiting caller."""
        try:
            if utt.play and self._player is not None:
                try:
                    self._player.drain()
                except SpeechError as exc:
                    self._device_failed(utt, exc)
            if utt.wav is not None:
                try:
                    utt.wav_path = utt.wav.close()
                except SpeechError as exc:
                    utt.failures.append(("", str(exc)))
        finally:
            utt.done.set()
