"""No silent waits: the spinner names each step on a terminal, and says nothing elsewhere."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path

from assistant.cli.progress import Spinner, watch_app
from assistant.config import Config, SkillSettings
from assistant.skill import Reply, Skill, SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.speech.base import Spoken
from assistant.testing import FakeFetcher, FakeLLM, FakeSpeaker, FixedClock
from tests.fakeapp import fake_app


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Busy(Skill):
    """Fetches, asks the model twice, and waits a little after each step so the spinner draws."""

    name = "busy"

    def run(self, ctx: SkillContext) -> Reply:
        ctx.http.fetch("https://feeds.example.org/rss")
        threading.Event().wait(0.3)
        ctx.llm.generate("one")
        threading.Event().wait(0.3)
        ctx.llm.generate("two")
        threading.Event().wait(0.3)
        return Reply(text="done")


class SlowSpeaker(FakeSpeaker):
    """Takes a moment to speak."""

    def say(
        self, text: str, wav: Path | None = None, *, skill: str | None = None, urgent: bool = False
    ) -> Spoken:
        threading.Event().wait(0.3)
        return super().say(text, wav, skill=skill, urgent=urgent)


def run_busy(tmp_path: Path, stream: io.StringIO, enabled: bool = True) -> FakeSpeaker:
    plan = SkillPlan([ConfiguredSkill(Busy, SkillSettings(), Busy.Config(), True)], [], [])
    speaker = SlowSpeaker()
    http = FakeFetcher({"https://feeds.example.org/rss": b"<rss/>"})
    app = fake_app(
        tmp_path, Config(), plan, speaker, FixedClock(datetime.now(UTC)), http=http,
        llm=FakeLLM(["fine"]),
    )  # fmt: skip
    spinner = Spinner(stream, enabled=enabled, interval=0.05)
    watch_app(app, spinner)
    with spinner:
        assert app.runner().run("busy").ok
    return speaker


def test_a_terminal_sees_each_step(tmp_path: Path) -> None:
    stream = Terminal()
    speaker = run_busy(tmp_path, stream)
    shown = stream.getvalue()
    assert speaker.said == ["done"]
    for step in ("fetching feeds: feeds.example.org", "generating 1", "generating 2", "speaking"):
        assert step in shown, shown
    assert shown.index("generating 1") < shown.index("generating 2") < shown.index("speaking")
    assert shown.endswith("\r\x1b[K")  # the line is cleared at the end


def test_nothing_when_not_a_terminal_or_with_json(tmp_path: Path) -> None:
    plain = io.StringIO()
    run_busy(tmp_path / "a", plain)
    assert plain.getvalue() == ""
    json_on_terminal = Terminal()
    run_busy(tmp_path / "b", json_on_terminal, enabled=False)
    assert json_on_terminal.getvalue() == ""


def test_progress_counts_show_as_a_step() -> None:
    stream = Terminal()
    spinner = Spinner(stream, interval=0.02)
    with spinner:
        spinner.progress(3, 10)
        threading.Event().wait(0.1)
    assert "embedding 3/10" in stream.getvalue()
