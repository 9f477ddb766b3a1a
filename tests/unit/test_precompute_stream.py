"""Late preparation of the briefing: what is ready is spoken at the second, the rest as it comes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.clock import Clock
from assistant.config import SkillSettings
from assistant.draft import Draft
from assistant.journal import Journal
from assistant.llm.base import Message
from assistant.precompute import Precomputer, PrecomputeSettings
from assistant.runner import Runner
from assistant.skill import SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.speech.base import Spoken, WavFile, Who
from assistant.testing import FakeLLM, fake_context
from skills.briefing import BriefingSkill
from tests.unit.test_precompute import ManualClock
from tests.unit.test_skill_briefing import BBC, COUPLET, QUOTE, RHYME, SAID, bbc

DUE = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
RHYME_S = 20  # a Pi's model takes this long for each headline's rhyme
QUOTE_S = 5


class Ears:
    """A speaker that notes, on the test's clock, when each piece of a stream reached it."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.heard: list[tuple[datetime, str]] = []
        self.calls = 0
        self._new = threading.Condition()
        # How many parts the skill has made so far; the model waits until all were heard.
        self.made: Callable[[], int] = lambda: 0
        self.active: Callable[[], list[str]] = list  # who the runner says is running
        self.active_at_end: list[str] = []

    def say(
        self, text: str, wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        return self.say_stream([text], wav, skill=skill, urgent=urgent)

    def say_stream(
        self, pieces: Iterable[str], wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        self.calls += 1
        for piece in pieces:
            with self._new:
                self.heard.append((self.clock.now(), piece))
                self._new.notify_all()
        # The pieces ended: the run is over, but its last sentences are still being spoken.
        self.active_at_end = self.active()
        return Spoken("".join(p for _, p in self.heard), "wav", first_audio_ms=0.0)

    def caught_up(self) -> None:
        """Block until every part made so far was heard: speech keeps pace with the model,
        as a rhyme takes longer to write on a Pi than the part before it takes to say."""
        with self._new:
            self._new.wait_for(lambda: len(self.heard) >= self.made(), timeout=10)

    def close(self) -> None:
        pass


def slow_model(clock: ManualClock, ears: Ears) -> FakeLLM:
    """The clock's couplet at once; each rhyme and the quote take a Pi's time."""

    def answer(messages: list[Message]) -> str:
        system = messages[0]["content"]
        if "couplet" in system:
            return COUPLET
        ears.caught_up()
        if "Dr. Seuss" in system:
            clock.advance(RHYME_S)
            return RHYME
        clock.advance(QUOTE_S)
        return QUOTE

    return FakeLLM(answer)


def make(tmp_path: Path, clock: ManualClock, ears: Ears) -> Precomputer:
    options = BriefingSkill.Config.model_validate({"feeds": [BBC], "max_headlines": 2})
    settings = SkillSettings(schedule="30 7 * * *", timeout_s=20)
    plan = SkillPlan([ConfiguredSkill(BriefingSkill, settings, options, True)], [], [])
    llm, http = slow_model(clock, ears), bbc()

    def context(_name: str, told: Clock | None) -> SkillContext:
        return fake_context(told or clock, tmp_path, llm=llm, speaker=ears, http=http)

    journal = Journal(tmp_path / "journal.jsonl")
    runner = Runner(plan, context, journal, wall=clock.now)
    return Precomputer(runner, clock, journal, PrecomputeSettings())


def row(tmp_path: Path) -> dict[str, Any]:
    last: dict[str, Any] = json.loads((tmp_path / "journal.jsonl").read_text().splitlines()[-1])
    return last


def test_late_briefing_speaks_what_is_ready_at_the_second_and_the_rest_as_it_comes(
    tmp_path: Path,
) -> None:
    clock = ManualClock(DUE - timedelta(seconds=5))  # prepared far too late for the model
    ears = Ears(clock)
    pre = make(tmp_path, clock, ears)
    ears.active = pre.runner.active
    drafts: list[Draft] = []

    def made() -> int:
        # The draft as first held: at the scheduled second the precomputer lets go of it.
        if not drafts and (held := pre._held.get("briefing")) is not None:
            drafts.append(held.draft)
        return len(drafts[0].parts()) if drafts else 0

    ears.made = made
    preparing = threading.Thread(target=pre.prepare, args=["briefing", DUE])
    preparing.start()
    while len(pre._held["briefing"].draft.parts()) < 2:  # greeting and clock made; news not
        threading.Event().wait(0.01)
    # Keep the draft before at_time lets go of it: the model may not have asked `made` yet.
    made()
    clock.moment = DUE
    pre.at_time("briefing", DUE)
    preparing.join(10)
    # At the scheduled second: the greeting and the clock, nothing else yet.
    at_second = [piece for moment, piece in ears.heard if moment == DUE]
    assert at_second == ["Good morning!\n", f"{COUPLET}\n"]
    # Then each headline as its rhyme was written, then the quote: once each, in order.
    times = [(moment - DUE).total_seconds() for moment, _ in ears.heard]
    assert len(times) == 5 and times[:2] == [0, 0] and 0 < times[2] < times[3] < times[4]
    last = row(tmp_path)
    lines = last["text"].splitlines()
    # Speaking the tail after the run ended still counts as the briefing (for admission).
    assert ears.active_at_end == ["briefing"]
    assert ears.calls == 1 and "".join(p for _, p in ears.heard) == last["text"] + "\n"
    assert lines[:4] == ["Good morning!", *COUPLET.splitlines(), SAID]
    assert lines[4].startswith("From BBC News:") and QUOTE in lines[5] and len(lines) == 6
    assert last["streamed"] is True and last["precomputed"] is True
    assert last["lateness_ms"] == 0.0 and last["outcome"] == "ok"
    assert last["first_audio"].startswith("2026-12-01T07:30:00.000")
    assert datetime.fromisoformat(last["ready"]) == DUE + timedelta(seconds=times[4])


def test_a_briefing_prepared_in_time_is_spoken_whole_and_not_marked_streamed(
    tmp_path: Path,
) -> None:
    clock = ManualClock(DUE - timedelta(minutes=3))
    ears = Ears(clock)
    pre = make(tmp_path, clock, ears)
    pre.prepare("briefing", DUE)
    clock.moment = DUE
    pre.at_time("briefing", DUE)
    last = row(tmp_path)
    assert [piece for _, piece in ears.heard] == [last["text"]] and last["streamed"] is False
    assert last["lateness_ms"] == 0.0 and len(last["text"].splitlines()) == 6


def test_a_draft_hands_out_each_part_once_in_order_until_it_closes() -> None:
    draft = Draft()
    draft.add("one")
    got: list[str] = []
    follower = threading.Thread(target=lambda: got.extend(draft.follow(5)))
    follower.start()
    draft.add("two")
    draft.add("three")
    draft.close()
    draft.add("after the end")  # an abandoned run: ignored
    follower.join(5)
    assert got == ["one", "two", "three"] and draft.parts() == got
    assert list(Draft().follow(0.05)) == []  # never closed: given up on at the timeout
    empty = Draft()
    empty.close()
    assert empty.wait_any(5) is False and list(empty.follow(5)) == []
