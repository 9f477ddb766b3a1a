"""`assistant doctor`: checks of what the daemon needs, each with a one-line remedy."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.config import Config
from assistant.errors import SpeechError
from assistant.http import Fetcher
from assistant.news.collect import read_feed
from assistant.news.sources import FeedRef, resolve_source
from assistant.service.timesync import build_sync_check
from assistant.skillconfig import SkillPlan
from assistant.speech.audio import playback_device_present
from assistant.speech.voices import PIPER_DEFAULT, find_piper_voice

GGUF_MAGIC = b"GGUF"
FEED_WORKERS = 4


Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    """One thing the daemon needs: whether it holds, what was seen, and what to do if not.

    "warn": the daemon copes (e.g. no sound card: it writes WAV files); "fail": it cannot.
    """

    name: str
    status: Status
    detail: str
    remedy: str = ""

    def to_json(self) -> dict[str, Any]:
        """The check as a JSON object."""
        return asdict(self)


def check_model(config: Config, resolve: Callable[[str], Path]) -> Check:
    """The local model file exists and starts like a GGUF file."""
    name = config.llm.model if config.llm.backend == "local" else config.llm.local_model
    if not name:
        return Check("model", "ok", f"remote only: {config.llm.model} at {config.llm.url}")
    try:
        path = resolve(name)
        with path.open("rb") as f:
            magic = f.read(4)
        size = path.stat().st_size
    except (ValueError, OSError) as exc:
        return Check("model", "fail", str(exc), "set [llm] model to a name from `models list`")
    if magic != GGUF_MAGIC:
        return Check("model", "fail", f"{path}: not a GGUF file", "download the model again")
    return Check("model", "ok", f"{name}: {human_bytes(size)} GGUF at {path}")


def check_espeak(which: Callable[[str], str | None] = shutil.which) -> Check:
    """espeak-ng, the voice of last resort, is installed and answers."""
    binary = which("espeak-ng")
    remedy = "sudo apt-get install espeak-ng"
    if binary is None:
        return Check("espeak-ng", "fail", "not installed", remedy)
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("espeak-ng", "fail", f"does not run: {exc}", remedy)
    return Check("espeak-ng", "ok", done.stdout.split("  Data")[0].strip())


def check_voice(
    config: Config,
    voices_dir: Path | None = None,
    installed: Callable[[str], bool] = lambda name: importlib.util.find_spec(name) is not None,
) -> Check:
    """The configured engine can speak: Piper installed and its voice there (not loaded here)."""
    speech = config.speech
    if speech.engine == "espeak":
        return Check("voice", "ok", f"espeak-ng, voice {speech.voice or 'default'}")
    if not installed("piper"):
        return Check(
            "voice", "warn", "piper-tts is not installed: espeak-ng speaks", "pip install piper-tts"
        )
    try:
        files = find_piper_voice(speech.voice, voices_dir)
    except SpeechError as exc:
        remedy = "set [speech] voice to a Piper voice from `assistant voices`"
        return Check("voice", "warn", f"{exc}: espeak-ng speaks", remedy)
    return Check("voice", "ok", f"piper, {speech.voice or PIPER_DEFAULT} ({files.model.name})")


def check_audio(config: Config, device: Callable[[], bool] = playback_device_present) -> Check:
    """A sound card to speak on, when the config wants one."""
    sink = config.speech.sink
    if sink in ("wav", "text"):
        return Check("audio", "ok", f'[speech] sink = "{sink}": no sound card needed')
    if device() and shutil.which("aplay"):
        return Check("audio", "ok", "a playback device and aplay are present")
    why = "no playback device (/dev/snd/pcm*p)" if not device() else "aplay is not installed"
    remedy = "plug in a speaker or HAT, install alsa-utils; until then speech goes to WAV files"
    return Check("audio", "warn" if sink == "auto" else "fail", why, remedy)


def check_clock(synchronized: Callable[[], bool]) -> Check:
    """The clock is set from the network (a Pi has no battery-backed clock)."""
    if synchronized():
        return Check("clock", "ok", "synchronised")
    return Check(
        "clock",
        "warn",
        "not synchronised: the clock skill will not state the time",
        "check the network and the NTP client (timedatectl status)",
    )


def configured_feeds(config: Config, plan: SkillPlan) -> dict[str, str]:
    """Every feed the config names, `[news] feeds` and those of enabled skills: label -> source."""
    feeds = dict(config.news.feeds)
    for skill in plan.skills:
        if not skill.enabled:
            continue
        options = skill.options.model_dump()
        listed = options.get("feeds") or ([options["feed"]] if options.get("feed") else [])
        for item in listed:
            source = item["url"] if isinstance(item, dict) else str(item)
            ref = resolve_source(source, config.news.feeds)
            if ref.source not in feeds.values():
                feeds[f"{skill.name}: {source}"] = ref.source
    return feeds


def check_feeds(config: Config, plan: SkillPlan, fetcher: Fetcher) -> list[Check]:
    """Each configured feed can be fetched and parsed now."""
    feeds = configured_feeds(config, plan)
    limits = config.news.parse_limits()

    def one(item: tuple[str, str]) -> Check:
        label, source = item
        result = read_feed(FeedRef(source), fetcher, limits)
        if result.ok:
            return Check(f"feed {label}", "ok", f"{len(result.headlines)} headlines")
        remedy = "check the URL and the network; skills fall back to the last good headlines"
        return Check(f"feed {label}", "warn", str(result.error), remedy)

    with ThreadPoolExecutor(FEED_WORKERS) as pool:
        return list(pool.map(one, feeds.items()))


def run_checks(
    config: Config,
    plan: SkillPlan,
    fetcher: Fetcher,
    resolve: Callable[[str], Path],
    voices_dir: Path | None = None,
) -> list[Check]:
    """Every check, in the order people fix things: model, voice, sound, clock, feeds."""
    return [
        check_model(config, resolve),
        check_voice(config, voices_dir),
        check_espeak(),
        check_audio(config),
        check_clock(build_sync_check(config.service.trust_clock)),
        *check_feeds(config, plan, fetcher),
    ]


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def checks_text(checks: Iterable[Check]) -> list[str]:
    """One line per check, and an indented remedy under each that failed."""
    lines = []
    for check in checks:
        lines.append(f"{check.status:<5} {check.name:<12} {check.detail}")
        if check.status != "ok" and check.remedy:
            lines.append(f"{'':<5} {'':<12} -> {check.remedy}")
    return lines
