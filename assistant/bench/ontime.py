"""`assistant bench ontime`: how late the briefing starts speaking, today's way vs precomputed.

The real briefing skill runs on the bundled model slowed to a Pi's pace (a wrapper engine that
yields tokens at `tok_s`, 15 by default, as a Pi 4 writes them), with the model unloaded and its
pages dropped from the page cache before each run where the kernel lets us (a Pi's overnight
state). Headlines come from a feed file, speech goes to WAV files through espeak-ng. Each round
runs both ways in this process: `at_time` starts at the scheduled second (what the daemon did
before precompute); `precompute` starts `ahead_s` early, holds the reply and speaks it at the
second (`ahead_s`: given, or learned from the at-time runs as the daemon learns from its
journal); `late` starts preparing too late (`late_ahead_s`, by default a quarter of the round's
at-time run), so the scheduled second finds the reply half made: what is ready is spoken then,
the rest as it is made. Lateness is the first audio minus the scheduled time; the result holds
the medians.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.clock import Clock, SystemClock, load_timezone
from assistant.config import Config
from assistant.journal import RunRecord
from assistant.llm.base import LLM, GenerateOptions, Prompt, WrappedLLM
from assistant.llm.local import LocalEngine
from assistant.paths import Paths
from assistant.precompute import (
    PERCENTILE,
    Precomputer,
    PrecomputeSettings,
    percentile,
    warm_engine,
)
from assistant.procmem import drop_page_cache
from assistant.runtime import App

TARGET_P50_MS = 1000.0
TARGET_RATIO = 0.1
# The late case starts preparing this share of the at-time run before the scheduled second.
LATE_SHARE = 0.25
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Bench news</title>
<item><title>Town opens a new library with a rooftop garden</title><link>https://example.org/1</link></item>
<item><title>Local team wins the regional chess final</title><link>https://example.org/2</link></item>
<item><title>Heavy rain expected across the valley on Friday</title><link>https://example.org/3</link></item>
</channel></rss>
"""


class PacedEngine(WrappedLLM):
    """Wraps an engine so that it writes no faster than `tok_s` pieces a second (a Pi's pace)."""

    def __init__(self, inner: LLM, tok_s: float, sleep: Callable[[float], None] = time.sleep):
        super().__init__(inner)
        self.tok_s = tok_s
        self.sleep = sleep

    @property
    def name(self) -> str:
        """The wrapped engine's name, marked as paced."""
        return f"{self.inner.name}@{self.tok_s:g}tok/s"

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield the inner engine's pieces, the n-th no sooner than n / tok_s after the first."""
        start: float | None = None
        for count, piece in enumerate(self.inner.stream(prompt, options)):
            start = start if start is not None else time.monotonic()
            wait = start + count / self.tok_s - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            yield piece

    def warm(self) -> None:
        """Warm the wrapped engine (its model's pages, and loading it)."""
        warm_engine(self.inner)


@dataclass(frozen=True)
class Ahead:
    """How far ahead precompute starts (None: learned) and the late case (None: a share)."""

    early_s: float | None = None
    late_s: float | None = None


# Builds an app from a config and its dirs (the CLI hands in the app module's builder, so that
# the benchmark builds nothing itself).
Assemble = Callable[[Config, Paths, Clock], App]


def bench_app(state: Path, tok_s: float, assemble: Assemble) -> App:
    """An app whose briefing reads a local feed, speaks to WAV files, and writes at `tok_s`."""
    feed = state / "bench.rss"
    feed.write_text(FEED, encoding="utf-8")
    config = Config.model_validate(
        {
            "speech": {"sink": "wav"},
            "skills": {"briefing": {"feeds": [str(feed)], "timeout_s": 900}},
        }
    )
    clock = SystemClock(load_timezone(""), sync=lambda: True)
    paths = Paths(state=state, cache=state / "cache", runtime=state / "run")
    app = assemble(config, paths, clock)
    paced = PacedEngine(app.llm, tok_s)
    app.engines = {name: paced if e is app.llm else e for name, e in app.engines.items()}
    app.llm = paced
    return app


def make_cold(app: App) -> bool:
    """Unload the model and drop its pages from the page cache; True when the drop took."""
    app.llm.close()
    inner = getattr(app.llm, "inner", None)
    if isinstance(inner, LocalEngine):
        try:
            return drop_page_cache(inner.path)
        except OSError:
            return False
    return False


def forget_spoken(app: App) -> None:
    """Forget which headlines were said: otherwise later runs skip them and do less work."""
    shutil.rmtree(app.paths.state / "skills", ignore_errors=True)


def _sleep_until(moment: datetime) -> None:
    while (left := (moment - datetime.now().astimezone()).total_seconds()) > 0:
        time.sleep(min(left, 0.5))


def prepared_run(app: App, pre: Precomputer, ahead_s: float) -> RunRecord:
    """From a cold page cache, prepare `ahead_s` before a scheduled second and speak at it."""
    make_cold(app)
    forget_spoken(app)
    due = datetime.now().astimezone() + timedelta(seconds=ahead_s)
    preparing = threading.Thread(target=pre.prepare, args=["briefing", due], daemon=True)
    preparing.start()
    _sleep_until(due)
    pre.at_time("briefing", due)
    preparing.join()
    return app.journal.latest()["briefing"]


def one_round(
    app: App, pre: Precomputer, ahead: Ahead, history: list[RunRecord]
) -> tuple[RunRecord, RunRecord, RunRecord, float, float]:
    """One run each way: their journal records, how far ahead precompute started (given, or
    learned as the daemon does: the at-time runs so far at the 90th percentile + margin) and
    how far ahead the late preparation started (given, or a share of this at-time run)."""
    forget_spoken(app)
    due = datetime.now().astimezone() + timedelta(seconds=1)
    _sleep_until(due)
    pre.at_time("briefing", due)
    at_time = app.journal.latest()["briefing"]
    history.append(at_time)
    ahead_s = ahead.early_s
    if ahead_s is None:
        took = [r.timings.get("run_ms", 0.0) / 1000 for r in history]
        ahead_s = round(percentile(took, PERCENTILE) + pre.settings.margin_s, 1)
    late_s = ahead.late_s
    if late_s is None:
        late_s = round(at_time.timings.get("run_ms", 0.0) / 1000 * LATE_SHARE, 1)
    precompute = prepared_run(app, pre, ahead_s)
    late = prepared_run(app, pre, late_s)
    return at_time, precompute, late, ahead_s, late_s


def summary(records: list[RunRecord]) -> dict[str, Any]:
    """Median lateness and preparation time of one way's runs."""
    late = [r.lateness_ms if r.lateness_ms is not None else float("nan") for r in records]
    return {
        "lateness_ms": round(statistics.median(late), 1),
        "runs_lateness_ms": late,
        "run_ms": round(statistics.median(r.timings.get("run_ms", 0.0) for r in records), 1),
        "outcomes": [r.outcome for r in records],
        "precomputed": [r.precomputed for r in records],
        "streamed": [r.streamed for r in records],
    }


def run_bench(
    assemble: Assemble, runs: int = 3, ahead: Ahead | None = None, tok_s: float = 15.0
) -> dict[str, Any]:
    """Each way `runs` times; medians, their ratios, and whether the target is met."""
    with tempfile.TemporaryDirectory(prefix="bench-ontime-") as tmp:
        app = bench_app(Path(tmp), tok_s, assemble)
        runner = app.runner()
        pre = Precomputer(
            runner,
            app.clock,
            app.journal,
            PrecomputeSettings(),
            warm=lambda name: warm_engine(app.engine_for(name)),
        )
        cold: list[bool] = []
        rounds = []
        history: list[RunRecord] = []
        try:
            for _ in range(runs):
                cold.append(make_cold(app))
                rounds.append(one_round(app, pre, ahead or Ahead(), history))
        finally:
            app.close()
    at_time = summary([r[0] for r in rounds])
    precompute = summary([r[1] for r in rounds])
    late = summary([r[2] for r in rounds])
    ratio = _ratio(precompute, at_time)
    met = precompute["lateness_ms"] <= TARGET_P50_MS and ratio <= TARGET_RATIO
    return {
        "at_time": at_time,
        "precompute": precompute,
        "late": {**late, "ahead_s": [r[4] for r in rounds], "ratio": _ratio(late, at_time)},
        "ratio": ratio,
        "target": {"precompute_p50_ms": TARGET_P50_MS, "ratio": TARGET_RATIO, "met": met},
        "tok_s": tok_s,
        "ahead_s": [r[3] for r in rounds],
        "runs": runs,
        "cold_cache": bool(cold) and all(cold),
    }


def _ratio(way: dict[str, Any], at_time: dict[str, Any]) -> float:
    """A way's median lateness over the at-time one's."""
    return round(way["lateness_ms"] / at_time["lateness_ms"], 4) if at_time["lateness_ms"] else 0
