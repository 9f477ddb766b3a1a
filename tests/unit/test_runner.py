"""The runner: limits, failures and the journal, with fake skills."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path

from assistant.clock import Clock
from assistant.config import SkillSettings
from assistant.journal import Journal
from assistant.runner import Runner
from assistant.skill import Reply, Skill, SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.testing import FakeSpeaker, FixedClock, fake_context

RELEASE = threading.Event()
NEW_YEAR = FixedClock(datetime(2026, 1, 1))


class Hello(Skill):
    """Says hello."""

    name = "hello"

    def run(self, ctx: SkillContext) -> Reply:
        return Reply(text="hello", sources=["here"])


class Boom(Skill):
    """Raises."""

    name = "boom"

    def run(self, ctx: SkillContext) -> Reply:
        raise RuntimeError("kaboom")


class Hang(Skill):
    """Hangs until released."""

    name = "hang"

    def run(self, ctx: SkillContext) -> Reply:
        RELEASE.wait(30)
        return Reply(text="late")


class NotAReply(Skill):
    """Returns the wrong type."""

    name = "wrong"

    def run(self, ctx: SkillContext) -> Reply:
        return "oops"  # type: ignore[return-value]


def plan(*classes: type[Skill], timeout_s: float = 5.0) -> SkillPlan:
    settings = SkillSettings(timeout_s=timeout_s, schedule="* * * * *")
    skills = [ConfiguredSkill(c, settings, c.Config(), True) for c in classes]
    return SkillPlan(skills, [], [])


def make_runner(tmp_path: Path, p: SkillPlan, speaker: FakeSpeaker) -> Runner:
    def context(_name: str, clock: Clock | None) -> SkillContext:
        return fake_context(clock or NEW_YEAR, tmp_path, speaker=speaker)

    return Runner(p, context, Journal(tmp_path / "journal.jsonl"))


def test_a_good_run_is_spoken_and_journalled(tmp_path: Path) -> None:
    speaker = FakeSpeaker()
    runner = make_runner(tmp_path, plan(Hello), speaker)
    result = runner.run("hello")
    assert result.ok and speaker.said == ["hello"]
    assert set(result.timings) == {"run_ms", "speak_ms", "total_ms"}
    row = json.loads((tmp_path / "journal.jsonl").read_text().splitlines()[-1])
    assert (row["skill"], row["outcome"], row["text"], row["sources"]) == (
        "hello",
        "ok",
        "hello",
        ["here"],
    )


def test_a_raising_skill_is_reported_not_raised(tmp_path: Path) -> None:
    speaker = FakeSpeaker()
    result = make_runner(tmp_path, plan(Boom), speaker).run("boom")
    assert result.outcome == "error" and "kaboom" in result.error
    assert speaker.said == []


def test_a_hanging_skill_times_out_and_blocks_only_itself(tmp_path: Path) -> None:
    RELEASE.clear()
    speaker = FakeSpeaker()
    runner = make_runner(tmp_path, plan(Hang, Hello, timeout_s=0.5), speaker)
    t0 = time.monotonic()
    assert runner.run("hang").outcome == "timeout"
    assert time.monotonic() - t0 < 2
    assert runner.run("hang").outcome == "busy"  # never two runs of one skill at once
    assert runner.run("hello").ok
    assert runner.busy() == ["hang"]
    RELEASE.set()
    time.sleep(0.2)
    assert runner.busy() == []


def test_unknown_and_ill_typed_skills(tmp_path: Path) -> None:
    runner = make_runner(tmp_path, plan(NotAReply), FakeSpeaker())
    assert "not a Reply" in runner.run("wrong").error
    assert "no skill named" in runner.run("nope").error


def test_a_journal_on_a_read_only_disk_never_stops_a_run(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    journal = Journal(blocked / "journal.jsonl")  # a path below a file cannot be created
    runner = Runner(plan(Hello), lambda _n, _c: fake_context(NEW_YEAR, tmp_path), journal)
    assert runner.run("hello").ok
    assert journal.last["hello"].outcome == "ok"


def test_no_speech_once_the_daemon_stops(tmp_path: Path) -> None:
    speaker = FakeSpeaker()
    stopping = threading.Event()
    stopping.set()
    runner = Runner(
        plan(Hello),
        lambda _n, c: fake_context(c or NEW_YEAR, tmp_path, speaker=speaker),
        Journal(None),
        stopping,
    )
    assert runner.run("hello").ok
    assert speaker.said == []


def test_active_covers_the_whole_run_and_update_swaps_the_plan(tmp_path: Path) -> None:
    RELEASE.clear()
    runner = make_runner(tmp_path, plan(Hang, timeout_s=5), FakeSpeaker())
    thread = threading.Thread(target=runner.run, args=["hang"])
    thread.start()
    time.sleep(0.2)
    assert runner.active() == ["hang"]
    RELEASE.set()
    thread.join(5)
    assert runner.active() == []
    runner.update(plan(Hello), runner.make_context)
    assert runner.run("hello").ok
    assert "no skill named" in runner.run("hang").error


def test_the_journal_remembers_last_runs_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    runner = make_runner(tmp_path, plan(Hello, Boom), FakeSpeaker())
    runner.run("hello")
    runner.run("boom")
    runner.run("hello")
    with path.open("a") as f:
        f.write('{"skill": "cut-sho')  # a crash in mid-line
    fresh = Journal(path)
    fresh.load_last()
    latest = fresh.latest()
    assert sorted(latest) == ["boom", "hello"]
    assert latest["boom"].outcome == "error" and latest["hello"].text == "hello"
