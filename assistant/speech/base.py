"""The speaker protocol, what an utterance produced, and a speaker bound to one skill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

Sink = Literal["device", "wav", "text"]
# Where `say` writes a WAV file instead of speaking aloud (None: speak through the sinks).
WavFile = Path | None
# Who speaks: the skill's name, for quiet hours (None: nobody in particular).
Who = str | None


@dataclass(frozen=True)
class Audio:
    """16-bit mono PCM and its sample rate."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        """How long it plays."""
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True)
class Spoken:
    """Where an utterance went and how long it took."""

    text: str
    sink: Sink
    wav: Path | None = None
    ms: float = 0.0
    # From the call to the first audio ready for the device (None: no audio was made).
    first_audio_ms: float | None = None
    sentences: int = 0
    # True when quiet hours kept it off the device.
    quiet: bool = False


class Speaker(Protocol):
    """Says text aloud, or writes it where it can be heard later. Safe to call from any thread."""

    def say(
        self, text: str, wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak `text` (only to the file `wav` when given) and return when it is done.

        `skill` names who speaks (quiet hours may allow it aloud); `urgent` may jump the queue.
        Raise SpeechError when some of it could not be spoken; its text is logged and printed.
        """

    def say_stream(
        self, pieces: Iterable[str], wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Like `say`, but speak each sentence of `pieces` as soon as it is complete."""

    def close(self) -> None:
        """Stop the speech worker; what is queued is not spoken."""


class SkillSpeaker:
    """A speaker that tells the real one which skill is speaking."""

    def __init__(self, speaker: Speaker, skill: str) -> None:
        self.speaker = speaker
        self.skill = skill

    def say(
        self, text: str, wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak `text` as this skill."""
        return self.speaker.say(text, wav, skill=skill or self.skill, urgent=urgent)

    def say_stream(
        self, pieces: Iterable[str], wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak `pieces` sentence by sentence as this skill."""
        return self.speaker.say_stream(pieces, wav, skill=skill or self.skill, urgent=urgent)

    def close(self) -> None:
        """Nothing: the app owns the real speaker and closes it."""
