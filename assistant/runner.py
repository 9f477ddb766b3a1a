"""Runs one skill once: a time limit, a journal entry, then speech. Never raises."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from assistant.admission import ON_BEHALF_OF
from assistant.clock import Clock
from assistant.draft import Draft
from assistant.errors import AssistantError
from assistant.feedback.utterance import said_fields
from assistant.journal import Journal, RunRecord
from assistant.llm.contract import Outcome, collecting
from assistant.procmem import release_free_heap
from assistant.skill import Reply, SkillContext
from assistant.skillconfig import SkillPlan
from assistant.speech.base import Speaker, Spoken

log = logging.getLogger(__name__)
T = TypeVar("T")


class SkillTimeoutError(AssistantError):
    """A skill ran past its time limit."""


@dataclass
class RunResult:
    """What one run produced."""

    skill: str
    outcome: str
    reply: Reply | None = None
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    # When the first audio of the reply was ready for the device (None: not spoken).
    first_audio: datetime | None = None
    # Every checked generation of the run: what the model wrote, for the journal.
    outcomes: list[Outcome] = field(default_factory=list)
    # The utterance's id in the journal ("" until journalled, or when nothing was said).
    id: str = ""

    @property
    def ok(self) -> bool:
        """True when the skill produced a reply."""
        return self.outcome == "ok"


@dataclass
class Heard:
    """How speaking went: when the first audio was ready, how long it took, what failed."""

    first_audio: datetime | None = None
    speak_ms: float = 0.0
    error: str = ""

    def apply(self, result: RunResult) -> None:
        """Note it in the run's result."""
        result.first_audio = self.first_audio
        result.timings["speak_ms"] = self.speak_ms
        if self.error:
            result.error = self.error


@dataclass
class _Call(Generic[T]):
    """A call running in its own thread, so that a hung one can be abandoned."""

    fn: Callable[[], T]
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None

    def __call__(self) -> None:
        try:
            self.value = self.fn()
        except BaseException as exc:  # handed to the waiting thread, which reports it
            self.error = exc
        finally:
            self.done.set()


class Runner:
    """Runs skills by name with their limits; one run of a skill at a time."""

    def __init__(
        self,
        plan: SkillPlan,
        make_context: Callable[[str, Clock | None], SkillContext],
        journal: Journal,
        stopping: threading.Event | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ) -> None:
        self.plan = plan
        self.wall = wall
        self.make_context = make_context
        self.journal = journal
        self.stopping = stopping or threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()

    def update(
        self, plan: SkillPlan, make_context: Callable[[str, Clock | None], SkillContext]
    ) -> None:
        """Use a new plan and context factory (after a reload); runs in progress keep theirs."""
        with self._lock:
            self.plan = plan
            self.make_context = make_context

    def busy(self) -> list[str]:
        """Names of skills whose run thread is still alive (running or hung)."""
        with self._lock:
            return [n for n, t in self._threads.items() if t.is_alive()]

    def active(self) -> list[str]:
        """Names of skills inside `run` (running, or speaking their reply)."""
        with self._lock:
            return sorted(n for n, count in self._active.items() if count)

    def run(self, name: str, *, speak: bool = True, clock: Clock | None = None) -> RunResult:
        """Run skill `name` once and speak its reply; failures are logged and returned."""
        with self._counted(name):
            started = self.wall()
            result = self.produce(name, clock)
            return self.deliver(result, started, speak=speak)

    def produce(
        self, name: str, clock: Clock | None = None, draft: Draft | None = None
    ) -> RunResult:
        """Run skill `name` within its limits, neither speaking nor journalling the reply
        (`deliver` does both, now or, for a prepared run, at the scheduled time); the parts
        it finishes on the way go to `draft` when given."""
        with self._counted(name):
            return self._run(name, clock, draft)

    def deliver(
        self,
        result: RunResult,
        started: datetime,
        *,
        speak: bool = True,
        scheduled: datetime | None = None,
        ready: datetime | None = None,
        precomputed: bool = False,
        streamed: bool = False,
    ) -> RunResult:
        """Speak a produced reply unless the daemon is stopping, then journal the run; a
        scheduled run also records when it was due, ready and heard, and how late that was
        (`streamed`: already spoken, in parts, while it was being made)."""
        name = result.skill
        with self._counted(name):
            reply = result.reply
            wanted = result.ok and speak and reply is not None and bool(reply.text)
            if wanted and not self.stopping.is_set():
                self._speak(name, result)
            result.timings["total_ms"] = round((self.wall() - started).total_seconds() * 1000, 1)
            self._journal(result, started, scheduled, ready, precomputed, streamed=streamed)
            return result

    def _journal(
        self,
        result: RunResult,
        started: datetime,
        scheduled: datetime | None,
        ready: datetime | None,
        precomputed: bool,
        *,
        streamed: bool = False,
    ) -> None:
        """Record the run; a reply that said something becomes an utterance with an id."""
        reply, first = result.reply, result.first_audio
        late = None
        if scheduled is not None and first is not None:
            late = round((first - scheduled).total_seconds() * 1000, 1)
        said: dict[str, Any] = {}
        if result.ok and reply is not None and reply.text:
            result.id = self.journal.new_id()
            said = said_fields(reply, result.outcomes)
        self.journal.record(
            RunRecord(
                skill=result.skill,
                started=started.isoformat(timespec="seconds"),
                outcome=result.outcome,
                text=reply.text if reply else "",
                error=result.error,
                sources=list(reply.sources) if reply else [],
                timings=result.timings,
                scheduled=_iso(scheduled),
                ready=_iso(ready),
                first_audio=_iso(first),
                lateness_ms=late,
                precomputed=precomputed,
                streamed=streamed,
                id=result.id,
                **said,
            )
        )

    @contextmanager
    def _counted(self, name: str) -> Iterator[None]:
        """Count `name` as active (running or speaking) for the duration."""
        with self._lock:
            self._active[name] = self._active.get(name, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._active[name] -= 1
                outermost = self._active[name] == 0
            # llama-cpp-python's streaming leaves reference cycles holding logits arrays
            # (about 6 MB every few runs); collect them now rather than at the collector's
            # next full pass, so a long-lived daemon's memory stays flat. Once per run: `run`
            # counts around `produce` and `deliver`, and a prepared reply waits in between.
            # What the collection freed sits in the malloc arenas of the threads that made it:
            # hand those pages back too.
            if outermost:
                gc.collect()
                release_free_heap()

    def _run(self, name: str, clock: Clock | None, draft: Draft | None) -> RunResult:
        """Build and run the skill in its own thread, waiting at most its timeout."""
        with self._lock:
            configured = self.plan.get(name)
            make_context = self.make_context
        if configured is None:
            log.error("skill %r is not installed", name)
            return RunResult(name, "error", error=f"no skill named {name!r} is installed")
        with self._lock:
            previous = self._threads.get(name)
            if previous is not None and previous.is_alive():
                log.error("skill %r: the previous run is still going; this run is skipped", name)
                return RunResult(name, "busy", error="the previous run is still going")
            t0 = time.monotonic()
            ctx = make_context(name, clock)
            if draft is not None:
                ctx = replace(ctx, draft=draft)
            outcomes: list[Outcome] = []

            def work() -> Reply:
                ON_BEHALF_OF.set(name)  # this thread's own context: admission knows whose run
                with collecting(outcomes):
                    return configured.build().run(ctx)

            call: _Call[Reply] = _Call(work)
            thread = threading.Thread(target=call, name=f"skill-{name}", daemon=True)
            self._threads[name] = thread
            thread.start()
        limit = configured.settings.timeout_s
        try:
            self._wait(call.done, limit)
        except SkillTimeoutError:
            return self._abandoned(name, limit)
        timings = {"run_ms": _ms(t0)}
        if call.error is not None:
            log.error("skill %r failed: %r", name, call.error, exc_info=call.error)
            return RunResult(name, "error", error=repr(call.error), timings=timings)
        if not isinstance(call.value, Reply):
            return RunResult(name, "error", error=f"run() returned {call.value!r}, not a Reply")
        return RunResult(name, "ok", reply=call.value, timings=timings, outcomes=outcomes)

    def _abandoned(self, name: str, limit: float) -> RunResult:
        """A run given up on: "stopped" when SIGTERM cut it short, else "timeout"."""
        if self.stopping.is_set():  # not the skill's fault: the journal must not blame it
            log.warning("skill %r stopped: the daemon is stopping; abandoned", name)
            return RunResult(name, "stopped", error="the daemon stopped during the run")
        log.error("skill %r timed out after %gs; abandoned", name, limit)
        return RunResult(name, "timeout", error=f"timed out after {limit:g}s")

    def _wait(self, done: threading.Event, limit: float) -> None:
        """Wait for `done` up to `limit` seconds, giving up early when the daemon stops."""
        deadline = time.monotonic() + limit
        while not done.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
            if self.stopping.is_set() or time.monotonic() >= deadline:
                raise SkillTimeoutError(limit)

    def _speak(self, name: str, result: RunResult) -> None:
        """Speak a reply; a speech failure is logged, the text was already journalled."""
        reply = result.reply
        assert reply is not None
        self._heard(name, lambda speaker: speaker.say(reply.text), reply.text).apply(result)

    def speak_stream(self, name: str, pieces: Iterable[str]) -> Heard:
        """Speak `pieces` as skill `name`, each sentence as soon as it is complete (the skill
        counts as active meanwhile: admission waits for it)."""
        with self._counted(name):
            return self._heard(name, lambda speaker: speaker.say_stream(pieces), "(streamed)")

    def _heard(self, name: str, say: Callable[[Speaker], Spoken], text: str) -> Heard:
        """Speak with `name`'s speaker; a failure is logged with the text and returned."""
        t0 = time.monotonic()
        ctx = self.make_context(name, None)
        called = self.wall()
        heard = Heard()
        try:
            spoken = say(ctx.speaker)
            # The text sink has no audio: the text is out when say() is called.
            heard.first_audio = called + timedelta(milliseconds=spoken.first_audio_ms or 0.0)
        except AssistantError as exc:
            log.error("skill %r: could not speak: %s (text: %s)", name, exc, text)
            heard.error = f"speech: {exc}"
        heard.speak_ms = _ms(t0)
        return heard


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="milliseconds") if moment is not None else ""
