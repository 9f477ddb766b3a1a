"""No silent waits: the spinner names each step on a terminal, and says nothing elsewhere."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path

from assistant.cli.progress import Spinner, watch_app
from assistant.config import Config, SkillSettings
from assistant.llm.contract import Contract, Predicate, generate_checked
from assistant.skill import Reply, Skill, SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.speech.base import Spoken
from assistant.testing import FakeFetcher, FakeLLM, FakeSpeaker, FixedClock
from tests.fakeapp import fake_app


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def pause(text: str) -> str:
    threading.Event().wait(0.3)  # long enough for the spinner to draw the step
    return text


class Busy(Skill):
    """Fetches, asks the model once, then samples two candidates of at most three."""

    name = "busy"

    def run(self, ctx: SkillContext) -> Reply:
        pause(ctx.http.fetch("https://feeds.example.org/rss").decode())
        pause(ctx.llm.generate("one"))
        not_bad = Predicate("not bad", lambda text: "bad" if text == "bad" else None)
        outcome = generate_checked(
            ctx.llm,
            "two",
            Contract([not_bad], retries=2),
            lambda: "fallback",
            sampler=lambda options: pause(ctx.llm.generate("two", options)),
        )
        assert outcome.text == "good" and outcome.attempts == 2
        return Reply(text="done")


class Recording(Spinner):
    """A spinner that also keeps every step it was told."""

    steps: list[str]

    def step(self, text: str) -> None:
        self.steps.append(text)
        super().step(text)


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
        llm=FakeLLM(["fine", "bad", "good"]),
    )  # fmt: skip
    spinner = Recording(stream, enabled=enabled, interval=0.05)
    spinner.steps = []
    watch_app(app, spinner)
    with spinner:
        assert app.runner().run("busy").ok
    if enabled and stream.isatty():
        assert spinner.steps == [
            "fetching feeds: feeds.example.org",
            "generating 1",  # a plain call: the run's first
            "generating 1/3",  # inside the cascade: candidate 1 of at most 3
            "generating 2/3",
            "speaking",
        ]
    return speaker


def test_a_terminal_sees_each_step(tmp_path: Path) -> None:
    stream = Terminal()
    speaker = run_busy(tmp_path, stream)
    shown = stream.getvalue()
    assert speaker.said == ["done"]
    for step in ("fetching feeds: feeds.example.org", "generating 1 ", "generating 2/3"):
        assert step in shown, shown
    assert shown.index("generating 1 ") < shown.index("generating 2/3") < shown.index("speaking")
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
