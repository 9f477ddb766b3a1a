"""Building the real speaker from the [speech] section."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from assistant.clock import Clock
from assistant.speech.process import WorkerOptions
from assistant.speech.quiet import parse_quiet_hours
from assistant.speech.settings import SpeechSection
from assistant.speech.sinks import WavLimits
from assistant.speech.speaker import WorkerSpeaker


def build_worker_speaker(
    section: SpeechSection,
    wav_dir: Path,
    *,
    voices_dir: Path | None = None,
    clock: Clock | None = None,
    text_out: TextIO | None = None,
) -> WorkerSpeaker:
    """The speaker with the section's engine, voice, sinks, quiet hours and queue."""
    return WorkerSpeaker(
        wav_dir,
        sink=section.sink,
        options=worker_options(section, voices_dir),
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


def worker_options(section: SpeechSection, voices_dir: Path | None = None) -> WorkerOptions:
    """What the worker speaks with, from the section; named Piper voices are in `voices_dir`."""
    return section.pick(WorkerOptions, voices_dir=voices_dir)
