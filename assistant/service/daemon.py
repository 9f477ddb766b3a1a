"""Process life: schedule, tell systemd how we are, answer the control socket, reload, stop."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from assistant.admission import Admission, Limits
from assistant.errors import AssistantError, ConfigError
from assistant.feedback.recall import FeedbackHook, Recall, ignore_feedback
from assistant.feedback.store import FILE as FEEDBACK_FILE
from assistant.feedback.store import FeedbackStore
from assistant.llm.reach import engines_report
from assistant.precompute import PREPARE_SUFFIX, Precomputer, PrecomputeSettings, warm_engine
from assistant.runtime import App
from assistant.scheduler import build_scheduler, schedule_skills
from assistant.service.api import build_handler
from assistant.service.control import ControlServer
from assistant.service.errors import ControlError, DaemonRunningError, ServiceError
from assistant.service.health import scheduler_problem
from assistant.service.jumps import JumpDetector
from assistant.service.lifecycle import finish, stop_speech, warm_speech
from assistant.service.notify import Notifier
from assistant.service.paths import SOCKET_NAME
from assistant.service.reload import retire_parts
from assistant.service.status import Snapshot, build_status, status_line
from assistant.service.surface import SurfaceFactory, Surfaces
from assistant.service.timesync import SyncCheck
from assistant.service.wakeup import Wakeup
from assistant.speech.base import Spoken

log = logging.getLogger(__name__)
MAX_TICK_S = 1.0


class Daemon:
    """The running daemon: one scheduler, one runner, the control socket and systemd's view."""

    def __init__(
        self,
        app: App,
        *,
        notifier: Notifier | None = None,
        sync: SyncCheck | None = None,
        rebuild: Callable[[App], App],
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        on_feedback: FeedbackHook = ignore_feedback,
        surfaces: tuple[SurfaceFactory, ...] = (),
    ) -> None:
        self.app = app
        self.original = app
        self.notifier = notifier or Notifier(None)
        self._sync = sync
        self.rebuild = rebuild
        self.monotonic = monotonic
        self.stopping = threading.Event()
        self.wake = Wakeup()  # rung by the signal handlers: see wakeup.py for why not an Event
        self.reload_requested = threading.Event()
        self.runner = app.runner(self.stopping)
        settings = PrecomputeSettings.from_section(app.config.service)
        warm = lambda name: warm_engine(self.app.engine_for(name))  # noqa: E731
        self.precompute = Precomputer(self.runner, app.clock, app.journal, settings, warm)
        self.scheduler = build_scheduler(app.plan, self.runner, app.clock.tz, self.precompute)
        self._watch_heavy(app)
        self.jumps = JumpDetector(app.config.service.clock_jump_s, monotonic=monotonic, wall=wall)
        self.server: ControlServer | None = None
        self.handler = build_handler(self)
        self.surfaces = Surfaces(surfaces)
        self.started_at = datetime.now().astimezone()
        self.started_mono = monotonic()
        self.hold_deadline: float | None = None
        self.last_jump_s: float | None = None
        self.last_reload: dict[str, Any] | None = None
        self.problem: str | None = None
        self._retired: list[App] = []
        self._reload_lock = threading.Lock()
        self._last_ping: float | None = None
        self._last_status = ""
        self._lock = threading.Lock()
        self._saying = 0
        self.feedback = FeedbackStore(app.state_dir / FEEDBACK_FILE)
        # The journal outlives reloads (a new app gets the old one), and so does this.
        self.recall = Recall(app.journal, self.feedback, self._speak, on_feedback, tz=app.clock.tz)

    def start(self) -> None:
        """Start the schedule (held while the clock is unsynchronised), greet, listen, READY=1."""
        self.app.journal.load_last()
        wait_s = self.app.config.service.sync_wait_s
        hold = wait_s > 0 and not self.sync()
        self.scheduler.start(paused=hold)
        if hold:
            self.hold_deadline = self.monotonic() + wait_s
            log.warning(
                "the clock is not synchronised: scheduled runs wait up to %gs for it", wait_s
            )
        if self.app.config.service.control_socket:
            self._listen()
        self.surfaces.start(self.app.config, self.handler)
        warm_speech(self.app.speaker)
        greeting = self.app.config.assistant.greeting
        if self.app.plan.get(greeting) is not None:
            self._run_in_thread(greeting, "greeting")
        elif greeting:  # free text (check-config made sure it names no missing skill)
            threading.Thread(target=self._greet, args=[greeting], daemon=True).start()
        for job in self.scheduler.get_jobs():
            log.info("scheduled %s: next run %s", job.id, job.next_run_time)
        log.info(
            "running with %d scheduled skills; state in %s",
            len(self.scheduler.get_jobs()),
            self.app.state_dir,
        )
        self._last_status = status_line(self.snapshot())
        self.notifier.ready(self._last_status)

    def _listen(self) -> None:
        """Open the control socket; without it the daemon still runs its schedule."""
        server = ControlServer(
            self.app.paths.runtime / SOCKET_NAME,
            self.handler,
            max_bytes=self.app.config.service.max_request_bytes,
        )
        try:
            server.start()
        except DaemonRunningError:
            raise  # two daemons would speak every run twice
        except ServiceError as exc:
            log.error("no control socket: %s", exc)
            return
        self.server = server

    def _greet(self, text: str) -> None:
        """Say a free-text greeting; a speech failure is logged, never raised."""
        try:
            self.app.speaker.say(text, skill="greeting")
        except AssistantError as exc:
            log.error("could not say the greeting: %s", exc)

    def loop(self) -> None:
        """Tick until asked to stop; a signal or request wakes the loop at once."""
        interval = self.notifier.watchdog_interval
        tick = min(MAX_TICK_S, interval) if interval else MAX_TICK_S
        while not self.stopping.is_set():
            self.tick()
            for signum in self.wake.wait(tick):
                self.signalled(signum)

    def signalled(self, signum: int) -> None:
        """Act on a signal the loop woke for: SIGTERM and SIGINT stop, SIGHUP reloads."""
        if signum in (signal.SIGTERM, signal.SIGINT):
            log.info("received %s; stopping", signal.Signals(signum).name)
            self.stopping.set()
        elif signum == signal.SIGHUP:
            log.info("received SIGHUP; reloading the config")
            self.reload_requested.set()

    def tick(self) -> None:
        """One turn: clock jumps, the sync hold, a pending reload, the watchdog, the status."""
        self.jumps.threshold_s = self.app.config.service.clock_jump_s
        jump = self.jumps.check()
        if jump is not None:
            self.last_jump_s = jump
            log.warning("the wall clock jumped %+.0fs; re-reading the schedule", jump)
            if jump < 0:
                self._reschedule_from_now()
            # APScheduler sleeps on a monotonic timeout; wake it to look at the new time.
            self.scheduler.wakeup()
        self._check_hold()
        if self.reload_requested.is_set():
            self.reload_requested.clear()
            self.reload()
        self._watchdog(skip=jump is not None)
        snap = self.snapshot()
        line = status_line(snap)
        if line != self._last_status:
            self._last_status = line
            self.notifier.status(line)
        self.surfaces.notice((snap.last_runs, snap.last_reload))

    def _reschedule_from_now(self) -> None:
        """After a step back, next runs computed before it lie too far ahead: recompute them."""
        now = datetime.now(self.app.clock.tz)
        for job in self.scheduler.get_jobs():
            if job.next_run_time is not None:  # a paused job stays paused
                job.modify(next_run_time=job.trigger.get_next_fire_time(None, now))

    def sync(self) -> bool:
        """True when the clock is synchronised (the injected check, else the app's clock)."""
        return self._sync() if self._sync is not None else self.app.clock.synchronized()

    def holding(self) -> bool:
        """True while scheduled runs wait for the clock to be synchronised."""
        return self.hold_deadline is not None

    def _check_hold(self) -> None:
        """Release held runs once the clock is synchronised, or when the wait is over."""
        if self.hold_deadline is None:
            return
        if self.sync():
            log.info("the clock is synchronised; scheduled runs start")
        elif self.monotonic() >= self.hold_deadline:
            log.warning("the clock is still not synchronised; scheduled runs start anyway")
        else:
            return
        self.hold_deadline = None
        self.scheduler.resume()

    def _watchdog(self, *, skip: bool) -> None:
        """Ping systemd only while the scheduler thread lives and no job is overdue."""
        now = datetime.now(self.app.clock.tz)
        problem = scheduler_problem(self.scheduler, now, self.app.config.service.overdue_s)
        if problem != self.problem:
            if problem:
                log.error("unhealthy: %s; watchdog pings stop", problem)
            else:
                log.info("healthy again; watchdog pings resume")
            self.problem = problem
        interval = self.notifier.watchdog_interval
        if problem or skip or interval is None:
            return
        mono = self.monotonic()
        if self._last_ping is None or mono - self._last_ping >= interval * 0.9:
            self.notifier.watchdog()
            self._last_ping = mono

    def snapshot(self) -> Snapshot:
        """The daemon's state now, as plain values for status reports."""
        jobs = [
            j
            for j in self.scheduler.get_jobs()
            if j.next_run_time is not None and not j.id.endswith(PREPARE_SUFFIX)
        ]
        jobs.sort(key=lambda j: j.next_run_time)
        left = None
        if self.hold_deadline is not None:
            left = max(0.0, self.hold_deadline - self.monotonic())
        return Snapshot(
            started=self.started_at,
            uptime_s=self.monotonic() - self.started_mono,
            tz=self.app.clock.tz,
            config=self.app.config_path,
            synchronized=self.sync(),
            hold_left_s=left,
            last_jump_s=self.last_jump_s,
            next_runs=[(j.id, j.next_run_time) for j in jobs],
            last_runs=self.app.journal.latest(),
            running=self.runner.active(),
            problem=self.problem,
            last_reload=self.last_reload,
        )

    def status(self) -> dict[str, Any]:
        """What `assistant status` shows, with each engine's reach (a quick probe of remotes)."""
        answer = build_status(self.snapshot())
        answer["engines"] = engines_report(self.app.config, self.app.plan)
        answer["precompute"] = self.precompute.report(self.scheduler.get_jobs())
        answer["admission"] = {
            **self.admission().check().to_json(),
            "embedding": self.app.heavy.state(),
        }
        return answer

    def _watch_heavy(self, app: App) -> None:
        """Make `app`'s embedders hold heavy jobs back while a briefing is under way, and
        give up waiting when the daemon stops."""
        app.heavy.busy = self.briefing_busy
        app.heavy.stop = self.stopping

    def admission(self) -> Admission:
        """Whether a heavy job may start now: memory, heat, throttling, a briefing under way."""
        return Admission(Limits.from_section(self.app.config.service), busy=self.briefing_busy)

    def briefing_busy(self) -> list[str]:
        """Skills that prepare ahead (the briefing...) being prepared or spoken now."""
        active = [n for n in self.runner.active() if (s := self.app.plan.get(n)) and s.precompute]
        return sorted(set(self.precompute.preparing()) | set(active))

    def trigger(self, skill: str, wait: bool) -> dict[str, Any]:
        """Run an installed skill now, ignoring its schedule; with `wait`, return its outcome."""
        if self.stopping.is_set():
            raise ControlError("the daemon is stopping")
        if self.app.plan.get(skill) is None:
            raise ControlError(f"no skill named {skill!r} is installed")
        if not wait:
            self._run_in_thread(skill, "trigger")
            return {"ok": True, "skill": skill, "queued": True}
        result = self.runner.run(skill)
        reply = result.reply
        return {
            "ok": result.ok,
            "skill": skill,
            "outcome": result.outcome,
            "id": result.id,
            "text": reply.text if reply else "",
            "error": result.error,
            "timings": result.timings,
        }

    def say(self, text: str) -> dict[str, Any]:
        """Speak `text` with the daemon's speaker; it is journalled as an utterance."""
        started = datetime.now().astimezone()
        spoken = self._speak(text)
        uid = self.recall.said(text, started)
        wav = str(spoken.wav) if spoken.wav else None
        return {"ok": True, "id": uid, "text": spoken.text, "sink": spoken.sink, "wav": wav}

    def _speak(self, text: str, skill: str | None = None) -> Spoken:
        """Speak `text` now (as `skill`, for quiet hours), counted as busy until done."""
        with self._lock:
            self._saying += 1
        try:
            return self.app.speaker.say(text, skill=skill)
        except AssistantError as exc:
            raise ControlError(f"could not speak: {exc}") from None
        finally:
            with self._lock:
                self._saying -= 1

    def reload(self) -> dict[str, Any]:
        """Re-read the config and rebuild the schedule; a bad config keeps the old one."""
        with self._reload_lock:
            self.notifier.reloading()
            try:
                answer = self._reload()
            finally:
                self._last_status = status_line(self.snapshot())
                self.notifier.ready(self._last_status)
            self.last_reload = {"at": datetime.now().astimezone().isoformat(), **answer}
            return answer

    def _reload(self) -> dict[str, Any]:
        """Build the new app, then swap it in; nothing changes before it is known good."""
        where = self.app.config_path or "built-in defaults"
        try:
            new = self.rebuild(self.app)
        except ConfigError as exc:
            for line in exc.problems:
                log.error("reload: %s", line)
            log.error("reload of %s failed; the running config stays in force", where)
            error = "the new config is invalid; the running config stays in force"
            return {"ok": False, "error": error, "problems": exc.problems}
        except AssistantError as exc:
            log.error("reload of %s failed: %s; the running config stays in force", where, exc)
            error = f"reload failed: {exc}; the running config stays in force"
            return {"ok": False, "error": error, "problems": [str(exc)]}
        new.journal = self.app.journal
        self._watch_heavy(new)
        self.runner.update(new.plan, new.context)
        self.precompute.settings = PrecomputeSettings.from_section(new.config.service)
        jobs = schedule_skills(self.scheduler, new.plan, self.runner, new.clock.tz, self.precompute)
        self._retired.append(self.app)
        if new.speaker is not self.app.speaker:
            warm_speech(new.speaker)
        self.app = new
        self.recall.tz = new.clock.tz
        log.info("reloaded %s: %d scheduled skills (%s)", where, len(jobs), ", ".join(jobs))
        return {"ok": True, "skills": jobs}

    def stop(self) -> int:
        """STOPPING=1, close the socket and the schedule, cut speech, let runs end briefly."""
        self.notifier.stopping()
        self.stopping.set()
        self.surfaces.close()
        if self.server is not None:
            self.server.close()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        speakers = {id(a.speaker): a.speaker for a in [self.original, *self._retired, self.app]}
        for speaker in speakers.values():
            stop_speech(speaker)
        code = finish(self.busy)
        self.feedback.close()
        retire_parts([*self._retired, self.app], keep=self.original)
        self.notifier.close()
        self.wake.close()
        return code

    def busy(self) -> list[str]:
        """What is still going on: skill runs (or their speech) and `say` requests."""
        with self._lock:
            saying = ["say"] if self._saying else []
        return sorted(set(self.runner.busy()) | set(self.runner.active())) + saying

    def _run_in_thread(self, skill: str, why: str) -> None:
        """Run a skill outside the schedule, so that a hold or a busy pool never delays it."""
        thread = threading.Thread(
            target=self.runner.run, args=[skill], name=f"{why}-{skill}", daemon=True
        )
        thread.start()
