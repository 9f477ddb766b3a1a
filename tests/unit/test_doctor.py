"""doctor's checks: each says what it saw and, when it fails, what to do."""

from __future__ import annotations

import struct
from pathlib import Path

from assistant.config import Config
from assistant.doctor import (
    Check,
    check_audio,
    check_clock,
    check_espeak,
    check_feeds,
    check_model,
    check_voice,
    checks_text,
    human_bytes,
)
from assistant.skillconfig import SkillPlan
from assistant.testing import FakeFetcher

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Library opens late</title><link>https://news.test/1</link></item>
</channel></rss>"""


def test_the_model_must_be_a_gguf_file(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.gguf", tmp_path / "bad.gguf"
    # The smallest whole GGUF: magic, version 3, no tensors, no metadata (config accepts it).
    good.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0) + bytes(2024))
    bad.write_bytes(b"<html>not a model</html>")
    config = Config.model_validate({"llm": {"model": str(good)}})
    ok = check_model(config, Path)
    assert ok.status == "ok" and "2.0 KiB GGUF" in ok.detail
    # check-config refuses it now; doctor must still say so if the file changes afterwards.
    config.llm.model = str(bad)
    assert check_model(config, Path).status == "fail"

    def missing(name: str) -> Path:
        raise ValueError(f"model file does not exist: {name}")

    gone = check_model(config, missing)
    assert gone.status == "fail" and gone.remedy


def test_no_sound_card_is_a_warning_unless_the_device_is_required() -> None:
    auto = check_audio(Config(), device=lambda: False)
    assert auto.status == "warn" and "WAV" in auto.remedy
    required = Config.model_validate({"speech": {"sink": "device"}})
    assert check_audio(required, device=lambda: False).status == "fail"
    wav = Config.model_validate({"speech": {"sink": "wav"}})
    assert check_audio(wav, device=lambda: False).status == "ok"


def test_espeak_missing_names_the_package() -> None:
    missing = check_espeak(which=lambda _name: None)
    assert missing.status == "fail" and "apt-get install espeak-ng" in missing.remedy


def test_an_unsynchronised_clock_is_said() -> None:
    assert check_clock(lambda: True).status == "ok"
    late = check_clock(lambda: False)
    assert late.status == "warn" and "timedatectl" in late.remedy


def test_each_feed_is_checked_and_failures_have_a_remedy() -> None:
    config = Config.model_validate(
        {"news": {"feeds": {"good": "https://news.test/rss", "down": "https://down.test/rss"}}}
    )
    fetcher = FakeFetcher({"https://news.test/rss": RSS})
    checks = {c.name: c for c in check_feeds(config, SkillPlan([], [], []), fetcher)}
    assert checks["feed good"].status == "ok" and checks["feed good"].detail == "1 headlines"
    assert checks["feed down"].status == "warn" and "not found" in checks["feed down"].detail
    lines = checks_text(checks.values())
    assert any(line.strip().startswith("-> check the URL") for line in lines)


def test_bytes_in_human_units() -> None:
    assert [human_bytes(n) for n in (512, 1536, 97484800, 3 * 2**30)] == [
        "512 B",
        "1.5 KiB",
        "93.0 MiB",
        "3.0 GiB",
    ]


def test_the_voice_check_names_the_engine_and_the_fallback(tmp_path: Path) -> None:
    piper = check_voice(Config())
    assert (
        piper.status == "ok" and piper.detail == "piper, en_US-joe-medium (en_US-joe-medium.onnx)"
    )
    missing = Config.model_validate({"speech": {"voice": "en_GB-nobody-low"}})
    gone = check_voice(missing, tmp_path / "voices")
    assert gone.status == "warn" and gone.detail.endswith(": espeak-ng speaks")
    assert "no Piper voice 'en_GB-nobody-low'" in gone.detail and "assistant voices" in gone.remedy
    uninstalled = check_voice(Config(), installed=lambda name: False)
    assert uninstalled.status == "warn" and uninstalled.remedy == "pip install piper-tts"
    espeak = Config.model_validate({"speech": {"engine": "espeak", "voice": "en-gb"}})
    assert check_voice(espeak) == Check("voice", "ok", "espeak-ng, voice en-gb")
