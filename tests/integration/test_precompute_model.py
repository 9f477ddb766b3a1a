"""A briefing prepared too late on the real model: its first parts are heard before it is done."""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.app import assemble_app, load_plan, quiet_text
from assistant.bench.ontime import FEED, PacedEngine
from assistant.clock import SystemClock, load_timezone
from assistant.config import Config
from assistant.paths import Paths
from assistant.precompute import Precomputer, PrecomputeSettings

pytestmark = pytest.mark.slow


def test_a_late_briefing_is_heard_while_the_model_still_writes(tmp_path: Path) -> None:
    feed = tmp_path / "news.rss"
    feed.write_text(FEED, encoding="utf-8")
    config = Config.model_validate(
        {
            "speech": {"sink": "wav", "engine": "espeak"},
            "retrieval": {"embedder": "none"},
            # The greeting at once, then one headline's rhyme: a few seconds at a Pi's pace.
            "skills": {"briefing": {"feeds": [str(feed)], "max_headlines": 1, "clock": False,
                                    "quote": False, "timeout_s": 600}},
        }
    )  # fmt: skip
    clock = SystemClock(load_timezone(""), sync=lambda: True)
    paths = Paths(state=tmp_path, cache=tmp_path / "cache", runtime=tmp_path / "run")
    registry, plan = load_plan(config)
    app = assemble_app(config, registry, plan, paths, text_out=quiet_text(), clock=clock)
    app.llm = PacedEngine(app.llm, 15.0)  # a Pi's pace: the rhyme takes seconds
    app.engines = {name: app.llm for name in app.engines}
    pre = Precomputer(app.runner(), clock, app.journal, PrecomputeSettings())
    try:
        due = datetime.now().astimezone() + timedelta(seconds=1)
        preparing = threading.Thread(target=pre.prepare, args=["briefing", due])
        preparing.start()
        time.sleep(max(0.0, (due - datetime.now().astimezone()).total_seconds()))
        pre.at_time("briefing", due)
        preparing.join(600)
    finally:
        app.close()
    row = app.journal.latest()["briefing"]
    assert row.outcome == "ok" and row.precomputed and row.streamed
    # Heard before the reply was complete: the greeting did not wait for the headline.
    assert datetime.fromisoformat(row.first_audio) < datetime.fromisoformat(row.ready)
    lines = row.text.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Good ")
    assert lines[1].startswith("From Bench news: Town opens a new library")
    wavs = sorted(tmp_path.rglob("*.wav"))
    assert len(wavs) == 1  # one utterance, not one per part
    seconds = float(subprocess.run(["soxi", "-D", str(wavs[0])], capture_output=True,
                                   text=True, check=True).stdout)  # fmt: skip
    assert seconds > 3.0  # the greeting and the headline, not the first part alone
