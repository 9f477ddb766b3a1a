"""[speech]: how and where the assistant speaks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from assistant.section import Section


class SpeechSection(Section):
    """[speech]: how and where the assistant speaks."""

    sink: Literal["auto", "device", "wav", "text"] = "auto"
    voice: str = ""
    rate: int = Field(165, ge=50, le=450)
    volume: float = Field(1.0, ge=0.0, le=1.0)
    timeout_s: float = Field(30.0, gt=0, le=600)
    keep_wav_files: int = Field(50, ge=1)
