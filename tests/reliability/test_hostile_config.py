"""Rows 22, 25 and 27: config values that would stop the schedule or crash a thread, models
that are not models, a long `say`, and small things a user types; the real CLI."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from assistant.llm.models import DEFAULT_MODEL, resolve_model
from tests.conftest import wait_for
from tests.reliability.helpers import environment, report, start_daemon, stop_daemon
from tests.reliability.test_hostile_files import cli, soxi_seconds

pytestmark = pytest.mark.slow

# (config text, the key or word the one line must name)
BAD_VALUES = [
    ("[skills.clock]\nmisfire_grace_s = 1000000000\n", "skills.clock.misfire_grace_s"),
    ("[skills.clock]\ntimeout_s = inf\n", "skills.clock.timeout_s"),
    ("[llm]\nidle_unload_s = inf\n", "llm.idle_unload_s"),
    ("[llm]\nidle_unload_s = 1e12\n", "llm.idle_unload_s"),
    ("[retrieval]\nidle_unload_s = nan\n", "retrieval.idle_unload_s"),
    ("[retrieval]\nweight_dense = inf\n", "retrieval.weight_dense"),
    ("[speech]\nwav_max_age_days = 1e300\n", "speech.wav_max_age_days"),
    ("[speech]\nkeep_wav_files = 1000000000\n", "speech.keep_wav_files"),
    ("[news]\nbackoff_max_s = inf\n", "news.backoff_max_s"),
    ('[assistant]\ntimezone = "America"\n', "assistant.timezone"),
    ('[assistant]\ntimezone = "Europe"\n', "assistant.timezone"),
]


def check(config: Path) -> tuple[int, list[str]]:
    """`assistant check-config`: exit code and the lines on stderr."""
    done = cli("check-config", str(config), timeout=60)
    return done.returncode, done.stderr.strip().splitlines()


def test_config_bounds_zones_dead_schedules_and_broken_models(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    tried = held = 0
    for text, key in BAD_VALUES:
        config.write_text(text)
        code, lines = check(config)
        tried += 1
        assert code == 1 and len(lines) == 1 and key in lines[0], (text, lines)
        held += 1
    # A schedule that never fires (30 February, 31 April) is a warning; the config is valid.
    for cron in ("0 0 30 2 *", "0 0 31 4,6,9,11 *"):
        config.write_text(f'[skills.clock]\nschedule = "{cron}"\n')
        code, lines = check(config)
        tried += 1
        assert code == 0 and len(lines) == 1 and "never fires" in lines[0], lines
        assert "skills.clock.schedule" in lines[0]
        held += 1
    # Models that are not whole GGUF files fail check-config, without being loaded.
    real = resolve_model(DEFAULT_MODEL).read_bytes()
    models = {
        "empty.gguf": b"",
        "text.gguf": b"not a model at all\n" * 100,
        "header-only.gguf": real[:24],
        "truncated.gguf": real[: 1024 * 1024],
        "half.gguf": real[: len(real) // 2],
    }
    for name, data in models.items():
        path = tmp_path / name
        path.write_bytes(data)
        config.write_text(f'[llm]\nmodel = "{path}"\n')
        code, lines = check(config)
        tried += 1
        assert code == 1 and len(lines) == 1 and "llm.model" in lines[0], (name, lines)
        held += 1
    whole = tmp_path / "whole.gguf"
    whole.write_bytes(real)
    config.write_text(f'[llm]\nmodel = "{whole}"\n')
    assert check(config)[0] == 0  # a whole copy of the real model still passes
    report("row 22 config bounds", bad_values=tried, held=held, tracebacks=0)


def test_a_long_say_waits_for_queue_space_and_drops_nothing(tmp_path: Path) -> None:
    sentences = 100  # past the queue's 64
    text = " ".join(f"Line {i} is here." for i in range(sentences))
    one = tmp_path / "one.wav"
    assert cli("say", "Line 7 is here.", "--wav", str(one)).returncode == 0
    out = tmp_path / "long.wav"
    done = cli("say", text, "--wav", str(out), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    ratio = soxi_seconds(out) / soxi_seconds(one)
    assert ratio > 0.9 * sentences, ratio
    report("row 25 long say", sentences=sentences, spoken_ratio=round(ratio / sentences, 2))


CONTROLS = "Hi \x1b[2J\x1b[31mred\x07 \u202eevil\u202c\rforged log line"


def test_small_ones_escapes_clear_lines_and_a_private_state_dir(
    tmp_path: Path, state_dir: Path
) -> None:
    config = tmp_path / "a.toml"
    config.write_text(
        '[assistant]\ngreeting = ""\ntimezone = "UTC"\n[speech]\nsink = "text"\n'
        "[skills.clock]\nuse_llm = false\n"
    )
    tried = 0
    # Control characters never reach a terminal or the log raw, standalone or via the daemon.
    # (Text mode reads a carriage return as a line break: a forged line shows as a new line.)
    raw = ("\x1b", "\x07", "\u202e")
    done = cli("say", CONTROLS, config=config)
    assert done.returncode == 0 and "\\x1b[2J" in done.stdout, done.stdout
    assert len(done.stdout.splitlines()) == 1 and "\\x0dforged" in done.stdout, done.stdout
    assert not any(c in done.stdout + done.stderr for c in raw)
    tried += 1
    proc = start_daemon(config, environment())
    sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    try:
        assert wait_for(sock.exists, 60), "no daemon"
        via = cli("say", CONTROLS, config=config)
        assert via.returncode == 0 and "said by the daemon" in via.stdout, via.stderr
    finally:
        code, err = stop_daemon(proc)
    assert code == 0 and "\\x1b[31m" in err
    assert not any(c in via.stdout + err for c in raw), repr(err[-500:])
    assert not any(line.startswith("forged") for line in (via.stdout + err).splitlines())
    tried += 2
    # --at out of datetime's comfortable range: one line, exit 2.
    for at in ("0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "0001-01-01T00:00"):
        done = cli("run-skill", "clock", "--at", at, "--no-speak", config=config)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1 and "--at" in lines[0], done.stderr
        tried += 1
    # The state dir is made private (journal, notes index, WAVs).
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    tried += 1
    report("row 27 small ones", tried=tried, held=tried, raw_controls_printed=0)
