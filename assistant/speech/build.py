"""Building the real speaker from the [speech] section."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from assistant.clock import Clock
from assistant.speech.espeak import EspeakSpeaker
from assistant.speech.quiet import parse_quiet_hours
from assistant.speech.settings import SpeechSection
from assistant.speech.sinks import WavLimits


def build_espeak_speaker(
    section: SpeechSection,
    wav_dir: Path,
    *,
    clock: Clock | None = None,
    text_out: TextIO | None = None,
) -> EspeakSpeaker:
    """The espeak-ng speaker with the section's voice, sinks, quiet hours and queue."""
    return EspeakSpeaker(
        wav_dir,
        sink=section.sink,
        voice=section.voice,
        rate=section.rate,
        volume=section.volume,
        timeout_s=section.timeout_s,
        wav_limits=WavLimits(
            keep_files=section.keep_wav_files,
            max_bytes=round(section.wav_max_mb * 1024 * 1024),
            max_age_s=section.wav_max_age_days * 86400,
        ),
        quiet_hours=parse_quiet_hours(section.quiet_hours),
        quiet_hours_skills=section.quiet_hours_skills,
        urgent_cuts_queue=section.urgent_cuts_queue,
        max_queue=section.max_queue,
        clock=clock,
        text_out=text_out,
    )
