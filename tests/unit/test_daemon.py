"""The daemon's life with fakes: READY, the clock hold, jumps, watchdog, reload, stop."""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from assistant.app import rebuild_app
from assistant.config import Config, SkillSettings
from assistant.errors import ConfigError
from assistant.runtime import App
from assistant.service.client import send_request
from assistant.service.daemon import Daemon
from assistant.service.errors import ControlError
from assistant.service.notify import Notifier
from assistant.service.timesync import StaticSync
from assistant.skill import Skill
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.testing import FakeSpeaker, FixedClock
from tests.conftest import Times
from tests.fakeapp import fake_app
from tests.skills import saying

UTC = ZoneInfo("UTC")
RAN = threading.Event()


Hello = saying("hello", "hello", then=RAN.set)
Tick = saying("tick", "tick")


class Recorder(Notifier):
    """A notifier that keeps what it would send."""

    def __init__(self, watchdog_usec: int | None = None) -> None:
        super().__init__("@unused", watchdog_usec)
        self.sent: list[str] = []

    def send(self, *fields: str) -> bool:
        self.sent.extend(fields)
        return True

    def count(self, field: str) -> int:
        return self.sent.count(field)


class StoppableSpeaker(FakeSpeaker):
    """A speaker that can be told to stop after its sentence."""

    def __init__(self) -> None:
        super().__init__()
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


def plan(schedule: str = "0 8 * * *", *classes: type[Skill]) -> SkillPlan:
    settings = SkillSettings(schedule=schedule, timeout_s=5)
    return SkillPlan(
        [ConfiguredSkill(c, settings, c.Config(), True) for c in classes or (Hello,)], [], []
    )


def make_app(tmp_path: Path, *, service: dict[str, Any] | None = None, **kw: Any) -> App:
    config = Config.model_validate(
        {
            "assistant": {"greeting": kw.get("greeting", ""), "timezone": "UTC"},
            "service": {"control_socket": False, **(service or {})},
        }
    )
    return fake_app(
        tmp_path,
        config,
        kw.get("plan") or plan(),
        kw.get("speaker") or FakeSpeaker(),
        FixedClock(datetime.now(UTC)),
        runtime=kw.get("runtime"),
    )


@pytest.fixture
def times() -> Times:
    return Times()


def start(started: list[Daemon], app: App, times: Times, **kw: Any) -> Daemon:
    kw.setdefault("sync", StaticSync(True))
    kw.setdefault("notifier", Recorder())
    kw.setdefault("rebuild", rebuild_app)
    daemon = Daemon(app, monotonic=times.monotonic, wall=times.wall, **kw)
    daemon.start()
    started.append(daemon)
    return daemon


def test_ready_once_the_scheduler_runs_then_stopping(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    notifier = Recorder()
    daemon = start(started, make_app(tmp_path), times, notifier=notifier)
    assert daemon.scheduler.running and not daemon.holding()
    assert notifier.sent[:2] == ["READY=1", notifier.sent[1]]
    assert notifier.sent[1].startswith("STATUS=next: hello at ")
    assert daemon.stop() == 0
    assert notifier.sent[-1] == "STOPPING=1"


def test_the_loop_stops_when_woken_with_sigterm_and_ignores_other_rings(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    daemon = start(started, make_app(tmp_path), times)
    loop = threading.Thread(target=daemon.loop, daemon=True)
    loop.start()
    daemon.wake.ring(0)  # a plain wake-up, and a signal the daemon does not act on
    daemon.wake.ring(signal.SIGUSR1)
    loop.join(0.5)
    assert loop.is_alive() and not daemon.stopping.is_set()
    daemon.wake.ring(signal.SIGTERM)
    loop.join(5)
    assert not loop.is_alive() and daemon.stopping.is_set()
    assert daemon.stop() == 0


def test_an_unsynchronised_clock_holds_runs_until_it_is_synchronised(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    sync = StaticSync(False)
    daemon = start(started, make_app(tmp_path), times, sync=sync)
    assert daemon.holding() and daemon.scheduler.state == 2  # STATE_PAUSED
    clock = daemon.status()["clock"]
    assert clock == {
        "synchronized": False,
        "holding": True,
        "hold_left_s": 600.0,
        "last_jump_s": None,
    }
    times.mono += 60
    daemon.tick()
    assert daemon.holding()
    assert daemon._last_status == "waiting up to 9 min for the clock to be synchronised"
    sync.synchronized = True
    daemon.tick()
    assert not daemon.holding() and daemon.scheduler.state == 1  # STATE_RUNNING
    assert daemon._last_status.startswith("next: hello at")


def test_the_hold_is_bounded(tmp_path: Path, times: Times, started: list[Daemon]) -> None:
    app = make_app(tmp_path, service={"sync_wait_s": 120})
    daemon = start(started, app, times, sync=StaticSync(False))
    times.mono += 119
    daemon.tick()
    assert daemon.holding()
    times.mono += 1
    daemon.tick()
    assert not daemon.holding() and daemon.scheduler.state == 1
    assert daemon.status()["clock"]["synchronized"] is False


def test_no_hold_when_told_not_to_wait(tmp_path: Path, times: Times, started: list[Daemon]) -> None:
    app = make_app(tmp_path, service={"sync_wait_s": 0})
    assert not start(started, app, times, sync=StaticSync(False)).holding()


def test_a_forward_jump_wakes_a_sleeping_scheduler(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    RAN.clear()
    daemon = start(started, make_app(tmp_path, plan=plan("0 8 * * *")), times)
    job = daemon.scheduler.get_job("hello")
    # What a step forward looks like to APScheduler: a run time now due while it sleeps on a
    # monotonic timeout hours long. Changed in the job store, so the scheduler is not told.
    job._modify(next_run_time=datetime.now(UTC) - timedelta(seconds=1))
    daemon.scheduler._jobstores["default"].update_job(job)
    assert not RAN.wait(0.5), "the scheduler should still be asleep"
    times.offset += 3 * 86400
    daemon.tick()
    assert daemon.last_jump_s == pytest.approx(3 * 86400, abs=1)
    assert RAN.wait(2), "after the jump the due run did not happen"


def test_watchdog_pings_only_while_healthy(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    notifier = Recorder(watchdog_usec=2_000_000)
    daemon = start(started, make_app(tmp_path), times, notifier=notifier)
    daemon.tick()
    times.mono += 0.5
    daemon.tick()  # too soon after the last ping
    times.mono += 0.5
    daemon.tick()
    assert notifier.count("WATCHDOG=1") == 2 and daemon.status()["healthy"]
    times.offset -= 7200  # clocks back two hours: no ping while the scheduler re-reads
    times.mono += 1
    daemon.tick()
    assert notifier.count("WATCHDOG=1") == 2
    daemon.scheduler.shutdown(wait=False)  # the scheduler dies
    for _ in range(3):
        times.mono += 1
        daemon.tick()
    assert notifier.count("WATCHDOG=1") == 2
    assert daemon.status()["problem"] == "the scheduler is not running"


def test_a_bad_reload_keeps_the_running_schedule(
    tmp_path: Path, times: Times, started: list[Daemon], caplog: pytest.LogCaptureFixture
) -> None:
    def bad(_app: App) -> App:
        raise ConfigError(["a.toml: skills.hello.schedule: bad cron string 'soon'"])

    notifier = Recorder()
    daemon = start(started, make_app(tmp_path), times, notifier=notifier, rebuild=bad)
    before = daemon.status()["next_runs"]
    daemon.signalled(signal.SIGHUP)
    daemon.tick()
    assert daemon.status()["next_runs"] == before
    assert daemon.last_reload is not None and daemon.last_reload["ok"] is False
    problem = "a.toml: skills.hello.schedule: bad cron string 'soon'"
    assert daemon.last_reload["problems"] == [problem]
    assert f"reload: {problem}" in caplog.text
    assert notifier.sent[notifier.sent.index("RELOADING=1") + 2] == "READY=1"


def test_a_good_reload_replaces_the_schedule_and_keeps_the_journal(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    new = make_app(tmp_path, plan=plan("30 9 * * *", Hello, Tick))
    daemon = start(started, make_app(tmp_path), times, rebuild=lambda _app: new)
    assert daemon.trigger("hello", wait=True)["ok"]
    journal = daemon.app.journal
    answer = daemon.reload()
    assert answer == {"ok": True, "skills": ["hello", "tick"]}
    runs = daemon.status()["next_runs"]
    assert [r["skill"] for r in runs] == ["hello", "tick"]
    assert all(datetime.fromisoformat(r["time"]).strftime("%M") == "30" for r in runs)
    assert daemon.app is new and new.journal is journal
    assert daemon.status()["last_runs"]["hello"]["outcome"] == "ok"
    assert daemon.trigger("tick", wait=True)["text"] == "tick"


def test_trigger_say_and_status(tmp_path: Path, times: Times, started: list[Daemon]) -> None:
    speaker = FakeSpeaker()
    daemon = start(started, make_app(tmp_path, speaker=speaker), times)
    done = daemon.trigger("hello", wait=True)
    assert (done["ok"], done["outcome"], done["text"]) == (True, "ok", "hello")
    with pytest.raises(ControlError, match="no skill named 'nope' is installed"):
        daemon.trigger("nope", wait=False)
    assert daemon.trigger("hello", wait=False) == {"ok": True, "skill": "hello", "queued": True}
    said = daemon.say("Dinner is ready.")
    assert said == {
        "ok": True,
        "id": said["id"],
        "text": "Dinner is ready.",
        "sink": "text",
        "wav": None,
    }
    # By its id: the queued "hello" run may be recorded after it.
    assert len(said["id"]) == 6 and daemon.recall.find(said["id"]).skill == "say"
    status = daemon.status()
    assert status["last_runs"]["hello"]["outcome"] == "ok"
    assert status["uptime_s"] == 0.0 and status["config"] is None
    memory = status["memory"]
    assert memory["rss_bytes"] == memory["anon_bytes"] + memory["file_bytes"]
    assert memory["anon_bytes"] > 0 and memory["file_bytes"] > 0
    assert "Dinner is ready." in speaker.said


def test_stop_asks_the_speaker_to_stop_and_ends_fast(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    speaker = StoppableSpeaker()
    daemon = start(started, make_app(tmp_path, speaker=speaker), times)
    t0 = time.monotonic()
    assert daemon.stop() == 0
    assert speaker.stopped and time.monotonic() - t0 < 1
    with pytest.raises(ControlError, match="stopping"):
        daemon.trigger("hello", wait=True)


def test_the_control_socket_reaches_the_daemon(
    tmp_path: Path, times: Times, started: list[Daemon]
) -> None:
    with tempfile.TemporaryDirectory(prefix="as-") as run:
        app = make_app(tmp_path, service={"control_socket": True}, runtime=Path(run))
        daemon = start(started, app, times)
        path = Path(run) / "control.sock"
        answer = send_request(path, {"command": "trigger", "skill": "hello", "wait": True})
        assert answer["ok"] and answer["text"] == "hello"
        assert send_request(path, {"command": "status"})["last_runs"]["hello"]["outcome"] == "ok"
        daemon.stop()
        assert not path.exists()
