"""[speech]: how and where the assistant speaks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from assistant.section import Section
from assistant.speech.quiet import parse_quiet_hours


class SpeechSection(Section):
    """[speech]: how and where the assistant speaks."""

    sink: Literal["auto", "device", "wav", "text"] = "auto"
    engine: Literal["piper", "espeak"] = "piper"
    voice: str = ""
    rate: int = Field(165, ge=50, le=450)
    volume: float = Field(1.0, ge=0.0, le=1.0)
    sentence_silence: float = Field(0.2, ge=0.0, le=5.0)
    threads: int = Field(1, ge=0, le=64)
    timeout_s: float = Field(30.0, gt=0, le=600)
    keep_wav_files: int = Field(50, ge=1, le=100_000)
    wav_max_mb: float = Field(100.0, gt=0, le=1_000_000)
    wav_max_age_days: float = Field(7.0, gt=0, le=3650)
    quiet_hours: str = "22:00-07:00"
    quiet_hours_skills: list[str] = Field(default_factory=list)
    urgent_cuts_queue: bool = True
    max_queue: int = Field(64, ge=1, le=10_000)

    @field_validator("voice")
    @classmethod
    def _voice(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("engine") == "espeak" and value.endswith(".onnx"):
            raise ValueError(f"{value!r} is a Piper voice: it needs engine = 'piper'")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _span(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("quiet_hours_skills")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.strip():
                raise ValueError("skill names must not be empty")
        return value
