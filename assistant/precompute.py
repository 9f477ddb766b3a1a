"""Deadline-aware precompute: prepare a scheduled run ahead of time, speak it at the second.

A skill that opts in (`precompute = True`, or `[skills.<name>] precompute = true`) gets two
jobs: `<name>.prepare` fires ahead of the scheduled time by an estimate learned from the run
journal, warms the model, runs the skill (its clock tells the scheduled time) and holds the
reply; `<name>` fires at the scheduled time and speaks what was prepared. When preparation is
late, the parts the skill has finished (`ctx.draft`: the briefing's greeting, clock, first
headlines) are spoken at the second and the rest as it is made; a skill that says nothing in
parts is spoken as soon as it is ready. A reply held past the freshness limit is made again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from assistant.clock import Clock, FixedClock
from assistant.cron import build_trigger, fire_times
from assistant.draft import Draft
from assistant.journal import Journal, RunRecord
from assistant.llm.base import LLM
from assistant.runner import Runner, RunResult
from assistant.service.settings import ServiceSection
from assistant.skill import Reply

log = logging.getLogger(__name__)
PREPARE_SUFFIX = ".prepare"
# Fewer ok runs than this in the journal: use the configured default lead.
MIN_HISTORY = 3
PERCENTILE = 0.9


@dataclass(frozen=True)
class PrecomputeSettings:
    """How far ahead to prepare, and how long a prepared reply stays fresh."""

    margin_s: float = 30.0
    default_s: float = 180.0
    fresh_s: float = 900.0

    @classmethod
    def from_section(cls, section: ServiceSection) -> PrecomputeSettings:
        """The `[service] precompute_*` keys."""
        return cls(
            section.precompute_margin_s, section.precompute_default_s, section.precompute_fresh_s
        )


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile of `values` (nearest rank, so a real observed duration)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def estimate_lead_s(runs: list[RunRecord], settings: PrecomputeSettings) -> float:
    """Seconds ahead to start: recent ok runs' duration at the 90th percentile plus the margin
    (the default without history), never more than the freshness limit."""
    durations = [
        (r.timings.get("run_ms", 0.0) + r.timings.get("warm_ms", 0.0)) / 1000
        for r in runs
        if r.outcome == "ok"
    ]
    if len(durations) < MIN_HISTORY:
        return min(settings.default_s, settings.fresh_s)
    return min(percentile(durations, PERCENTILE) + settings.margin_s, settings.fresh_s)


class LeadTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires `lead()` seconds before each fire time of `base` (the lead is read every time)."""

    def __init__(self, base: BaseTrigger, lead: Callable[[], float]) -> None:
        self.base = base
        self.lead = lead

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next `base` time at least `lead` away, minus the lead."""
        lead = timedelta(seconds=self.lead())
        moment: datetime | None = self.base.get_next_fire_time(None, now + lead)
        return None if moment is None else moment - lead


@dataclass
class Prepared:
    """A reply being prepared, or held, for one scheduled time."""

    scheduled: datetime
    started: datetime
    done: threading.Event = field(default_factory=threading.Event)
    result: RunResult | None = None
    ready: datetime | None = None
    # The parts finished so far, spoken at the scheduled second if the whole is not ready.
    draft: Draft = field(default_factory=Draft)


def warm_engine(llm: LLM) -> None:
    """Warm every local model behind `llm` (a cascade's fallback too); remotes need nothing."""
    for engine in [llm, *getattr(llm, "engines", [])]:
        warm = getattr(engine, "warm", None)
        if callable(warm):
            warm()


class Precomputer:
    """Prepares scheduled runs of opted-in skills ahead of time and delivers them on time."""

    def __init__(
        self,
        runner: Runner,
        clock: Clock,
        journal: Journal,
        settings: PrecomputeSettings,
        warm: Callable[[str], None] = lambda _name: None,
    ) -> None:
        self.runner = runner
        self.clock = clock
        self.journal = journal
        self.settings = settings
        self.warm = warm
        self._held: dict[str, Prepared] = {}
        self._lock = threading.Lock()

    def lead_s(self, name: str) -> float:
        """How many seconds before its scheduled time `name` starts preparing."""
        return estimate_lead_s(self.journal.recent(name), self.settings)

    def trigger(self, name: str, schedule: str) -> LeadTrigger:
        """The prepare job's trigger for skill `name` on `schedule`."""
        return LeadTrigger(build_trigger(schedule, self.clock.tz), lambda: self.lead_s(name))

    def preparing(self) -> list[str]:
        """Skills whose reply is being prepared right now."""
        with self._lock:
            return sorted(n for n, p in self._held.items() if not p.done.is_set())

    def state(self) -> dict[str, Any]:
        """For `status`: each held or in-progress preparation."""
        with self._lock:
            held = dict(self._held)
        return {
            name: {
                "scheduled": p.scheduled.isoformat(),
                "ready": p.ready.isoformat() if p.ready else None,
                "outcome": p.result.outcome if p.result else "preparing",
            }
            for name, p in sorted(held.items())
        }

    def report(self, jobs: list[Any]) -> dict[str, Any]:
        """For `status`: each opted-in skill's lead, next prepare time, and what is held."""
        held = self.state()
        out: dict[str, Any] = {}
        for job in jobs:
            if job.id.endswith(PREPARE_SUFFIX):
                name = job.id.removesuffix(PREPARE_SUFFIX)
                when = job.next_run_time.isoformat() if job.next_run_time else None
                out[name] = {"lead_s": round(self.lead_s(name), 1), "next_prepare": when,
                             "held": held.get(name)}  # fmt: skip
        return out

    def prepare(self, name: str, due: datetime | None = None) -> Prepared | None:
        """Warm the model and run `name` for its next scheduled time; hold the result."""
        due = due or self._next_due(name)
        if due is None:
            return None
        entry = Prepared(scheduled=due, started=self.runner.wall())
        with self._lock:
            self._held[name] = entry
        try:
            t0 = time.monotonic()
            try:
                self.warm(name)
            except Exception as exc:  # a failed warm-up only costs speed
                log.warning("precompute %s: warming the model failed: %s", name, exc)
            warm_ms = round((time.monotonic() - t0) * 1000, 1)
            told = FixedClock(due, self.clock.tz, synchronized=self.clock.synchronized())
            result = self.runner.produce(name, told, entry.draft)
            result.timings["warm_ms"] = warm_ms
            entry.result, entry.ready = result, self.clock.now()
            log.info("precompute %s for %s: %s", name, due.isoformat(), result.outcome)
        finally:
            entry.draft.close()
            entry.done.set()
        return entry

    def at_time(self, name: str, due: datetime | None = None) -> RunResult:
        """The scheduled moment: speak the prepared reply; when it is late, what is ready and
        then the rest as it is made (or all of it once ready, for a skill without parts); run
        now when nothing usable was prepared."""
        due = due or self._due_now(name)
        entry = self._take(name, due)
        if entry is None:
            return self._run_now(name, due)
        configured = self.runner.plan.get(name)
        limit = configured.settings.timeout_s + 5 if configured else 125.0
        if not entry.done.is_set():
            log.warning("precompute %s: not ready at the scheduled time", name)
            if entry.draft.wait_any(limit) and not entry.done.is_set():
                return self._stream_late(name, due, entry, limit)
            entry.done.wait(5)  # the draft closed, so the run is over (or the limit passed)
        result, ready = entry.result, entry.ready
        if result is None or ready is None or not result.ok:
            log.warning("precompute %s: preparation failed; running now", name)
            return self._run_now(name, due)
        age = (self.clock.now() - ready).total_seconds()
        if age > self.settings.fresh_s:
            log.info("precompute %s: prepared %.0fs ago, past freshness; running now", name, age)
            return self._run_now(name, due)
        return self.runner.deliver(
            result, entry.started, scheduled=due, ready=ready, precomputed=True
        )

    def _stream_late(self, name: str, due: datetime, entry: Prepared, limit: float) -> RunResult:
        """Speak the parts finished so far now and each later one as soon as it is made (one
        line each, so each is spoken at once); journal the run when all of it was said."""
        log.warning("precompute %s: speaking the %d parts ready, the rest as it is made", name,
                    len(entry.draft.parts()))  # fmt: skip
        heard = self.runner.speak_stream(name, (f"{part}\n" for part in entry.draft.follow(limit)))
        entry.done.wait(limit)
        said = "\n".join(entry.draft.parts())
        result = entry.result or RunResult(name, "timeout", error="preparation did not finish")
        heard.apply(result)
        if result.reply is None or result.reply.text != said:
            # A failed run, or a reply that is not its parts (a bug in the skill): the journal
            # keeps what the listener heard.
            log.warning("precompute %s: the reply is not its parts; journalling what was said",
                        name)  # fmt: skip
            result.reply = replace(result.reply, text=said) if result.reply else Reply(said)
        return self.runner.deliver(result, entry.started, speak=False, scheduled=due,
                                   ready=entry.ready, precomputed=True, streamed=True)  # fmt: skip

    def _run_now(self, name: str, due: datetime) -> RunResult:
        """Today's way: run at the scheduled time and speak when done."""
        started = self.runner.wall()
        result = self.runner.produce(name)
        return self.runner.deliver(result, started, scheduled=due, ready=self.clock.now())

    def _take(self, name: str, due: datetime) -> Prepared | None:
        """The preparation for `due`, removed from the hold; one for another time is dropped."""
        with self._lock:
            entry = self._held.pop(name, None)
        if entry is not None and entry.scheduled != due:
            log.info("precompute %s: prepared for %s, not %s; dropped", name, entry.scheduled, due)
            return None
        return entry

    def _schedule(self, name: str) -> str | None:
        configured = self.runner.plan.get(name)
        return configured.schedule if configured else None

    def _next_due(self, name: str) -> datetime | None:
        """The next scheduled time of `name` from now."""
        schedule = self._schedule(name)
        if not schedule:
            return None
        moment: datetime | None = build_trigger(schedule, self.clock.tz).get_next_fire_time(
            None, self.clock.now()
        )
        return moment

    def _due_now(self, name: str) -> datetime:
        """The scheduled time this run is for: the latest one not after now (the job may
        fire a little late), else now."""
        now = self.clock.now()
        configured = self.runner.plan.get(name)
        if configured is None or not configured.schedule:
            return now
        start = now - timedelta(seconds=configured.settings.misfire_grace_s + 1)
        end = now + timedelta(seconds=1)
        times = list(fire_times(configured.schedule, self.clock.tz, start, end))
        return times[-1] if times else now
