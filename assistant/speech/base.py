"""The speaker protocol."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

Sink = Literal["device", "wav", "text"]


@dataclass(frozen=True)
class Spoken:
    """Where an utterance went."""

    text: str
    sink: Sink
    wav: Path | None = None
    ms: float = 0.0


class Speaker(Protocol):
    """Says text aloud, or writes it where it can be heard later."""

    def say(self, text: str, wav: Path | None = None) -> Spoken:
        """Speak `text` (to `wav` when given); raise SpeechError when no sink took it."""
