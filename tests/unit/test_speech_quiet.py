"""Quiet hours: parsing the span, midnight wrap, and the [speech] keys that use it."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigError
from assistant.speech.build import build_worker_speaker
from assistant.speech.quiet import QuietHours, parse_quiet_hours
from assistant.speech.sinks import WavLimits


@pytest.mark.parametrize(
    ("span", "moment", "quiet"),
    [
        ("22:00-07:00", time(21, 59), False),
        ("22:00-07:00", time(22, 0), True),
        ("22:00-07:00", time(3, 0), True),
        ("22:00-07:00", time(6, 59, 59), True),
        ("22:00-07:00", time(7, 0), False),
        ("12:30-13:30", time(12, 30), True),
        ("12:30-13:30", time(13, 30), False),
        ("12:30-13:30", time(3, 0), False),
        ("0:00-6:00", time(5, 0), True),
    ],
)
def test_span(span: str, moment: time, quiet: bool) -> None:
    hours = parse_quiet_hours(span)
    assert hours is not None
    assert (moment in hours) is quiet


def test_empty_means_none() -> None:
    assert parse_quiet_hours("") is None
    assert parse_quiet_hours("  ") is None


def test_str_round_trips() -> None:
    assert str(QuietHours(time(22), time(7))) == "22:00-07:00"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("10pm-7am", "want 'HH:MM-HH:MM'"),
        ("22:00", "want 'HH:MM-HH:MM'"),
        ("25:00-07:00", "not a time of day"),
        ("22:61-07:00", "not a time of day"),
        ("07:00-07:00", "start and end at the same time"),
    ],
)
def test_bad_spans_are_clear_errors(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_quiet_hours(text)


def test_config_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text('[speech]\nquiet_hours = "late"\nquiet_hours_skills = [""]\n')
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert err.value.problems == [
        f"{cfg}: speech.quiet_hours: want 'HH:MM-HH:MM' like '22:00-07:00', got 'late'",
        f"{cfg}: speech.quiet_hours_skills: skill names must not be empty",
    ]


def test_config_defaults() -> None:
    speech = load_config(None).speech
    assert speech.quiet_hours == "22:00-07:00"
    assert speech.quiet_hours_skills == []
    assert speech.urgent_cuts_queue is True


def test_the_speaker_is_built_from_the_section(tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text(
        "[speech]\nsink = 'wav'\nkeep_wav_files = 3\nwav_max_mb = 1.5\nwav_max_age_days = 2\n"
        "quiet_hours = ''\nquiet_hours_skills = ['alarm']\nurgent_cuts_queue = false\n"
    )
    speaker = build_worker_speaker(load_config(cfg).speech, tmp_path / "wav")
    assert speaker.sink == "wav" and speaker.quiet_hours is None
    assert speaker.wav_dir.limits == WavLimits(3, 1572864, 172800.0)
    assert speaker.quiet_hours_skills == {"alarm"} and speaker.urgent_cuts_queue is False
    speaker.close()  # never started: nothing to stop, and no error
