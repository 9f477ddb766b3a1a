"""Home Assistant over MQTT against a real Mosquitto and the real daemon: discovery, buttons,
notify, and a broker that dies mid-run."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from assistant.feedback.store import FILE, FeedbackStore
from assistant.home.bridge import MAX_PENDING
from assistant.service.client import send_request
from tests.conftest import wait_for
from tests.daemon import GREETS_WITH_CLOCK, environment, start_daemon, stop_daemon
from tests.integration.helpers import Systemd, assistant, free_port
from tests.integration.test_speech import soxi

pytestmark = pytest.mark.slow

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
BASE = "test/pi1"
DISCOVERY = "homeassistant/device/test_pi1/config"
AVAILABILITY = f"{BASE}/availability"
USER = "assistant"
# The shared base ends in [speech]: these keys add to it.
CONFIG = (
    GREETS_WITH_CLOCK
    + """engine = "espeak"
quiet_hours = ""
[service]
sync_wait_s = 0
[skills.clock]
schedule = "0 8 * * *"
use_llm = false
[mqtt]
enabled = true
host = "127.0.0.1"
port = {port}
base_topic = "{base}"
"""
)


class Broker:
    """Debian's mosquitto on 127.0.0.1:`port`, with its own config file and no persistence."""

    def __init__(self, folder: Path, port: int, password: str = "") -> None:
        folder.mkdir(exist_ok=True)
        self.port = port
        self.conf = folder / "mosquitto.conf"
        access = "allow_anonymous true\n"
        if password:  # one user, USER, with this password
            users = folder / "passwd"
            subprocess.run(["mosquitto_passwd", "-b", "-c", str(users), USER, password], check=True)
            access = f"allow_anonymous false\npassword_file {users}\n"
        # As root, mosquitto drops to its own user unless told to stay ours (to read `users`).
        me = pwd.getpwuid(os.getuid()).pw_name
        self.conf.write_text(
            f"listener {port} 127.0.0.1\n{access}user {me}\npersistence false\n"
            "log_dest stderr\nlog_type all\n"
        )
        self.log = folder / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert Path(MOSQUITTO).exists(), "no mosquitto: `make test` installs it (system-deps)"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stderr=log)
        assert wait_for(self._listening, 10), "mosquitto did not start"

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)


class Listener:
    """A test client in Home Assistant's place: it hears every topic and keeps what it hears."""

    def __init__(self, port: int, password: str = "") -> None:
        self.heard: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-ha")
        if password:
            self.client.username_pw_set(USER, password)
        self.client.on_connect = lambda c, _u, _f, _rc, _p: c.subscribe("#", qos=1)
        self.client.on_message = self._hear
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _hear(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self.cond:
            self.heard.append((message.topic, message.payload))
            self.cond.notify_all()

    def mark(self) -> int:
        """How many messages so far: `wait(since=mark())` waits for a newer one."""
        with self.cond:
            return len(self.heard)

    def wait(self, topic: str, since: int = 0, timeout: float = 30) -> bytes:
        """The first payload on `topic` heard after `since` messages, waiting for it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [p for t, p in self.heard[since:] if t == topic]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"nothing on {topic} in {timeout}s: {self.heard[-10:]}")
                self.cond.wait(left)

    def last(self, topic: str) -> bytes | None:
        """The latest payload heard on `topic`."""
        with self.cond:
            return next((p for t, p in reversed(self.heard) if t == topic), None)

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start(cfg: Path, run_dir: Path, **env_extra: str) -> tuple[subprocess.Popen[str], Systemd]:
    """The daemon under a systemd stand-in that expects watchdog pings every 0.2 s."""
    systemd = Systemd(run_dir / "notify")
    notify = str(run_dir / "notify")
    env = environment(NOTIFY_SOCKET=notify, WATCHDOG_USEC="400000", **env_extra)
    return start_daemon(cfg, env), systemd


def clock_runs(state_dir: Path) -> int:
    journal = state_dir / "journal.jsonl"
    lines = journal.read_text().splitlines() if journal.exists() else []
    return sum(json.loads(line)["skill"] == "clock" for line in lines)


def last_said(ha: Listener, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The "last said" attributes once they pass `check`; the state is their text."""

    def attributes() -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(ha.last(f"{BASE}/last_said/attributes") or b"{}"))

    assert wait_for(lambda: bool(attributes()) and check(attributes()), 30), attributes()
    found = attributes()
    state = f"{BASE}/last_said/state"
    assert wait_for(lambda: ha.last(state) == found["text"].encode(), 5), ha.last(state)
    return found


def flood_said(run_dir: Path) -> int:
    """How many "Message N." texts the daemon has said."""
    last = send_request(run_dir / "control.sock", {"command": "last", "n": 100})
    return sum(u["text"].startswith("Message ") for u in last["utterances"])


def ratings(state_dir: Path) -> list[dict[str, Any]]:
    """The thumbs stored by the daemon."""
    return FeedbackStore(state_dir / FILE).export()


def new_wav(folder: Path, before: set[Path], timeout: float = 30) -> Path:
    """The WAV file that appears in `folder` (it is complete once soxi can read it)."""
    assert wait_for(lambda: set(folder.glob("*.wav")) - before, timeout), "nothing was spoken"
    (wav,) = set(folder.glob("*.wav")) - before
    assert wait_for(lambda: float(soxi("-D", wav)) > 0.5, 10)
    return wav


def test_home_assistant_over_a_real_broker(tmp_path: Path, state_dir: Path) -> None:
    run_dir = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    broker = Broker(tmp_path / "broker", free_port())
    broker.start()
    ha = Listener(broker.port)
    # Retained commands wait on the broker; the daemon must not run them when it subscribes.
    ha.publish(f"{BASE}/skill/clock/run", "PRESS", retain=True)
    ha.publish(f"{BASE}/say", "A stale retained message.", retain=True)
    cfg = tmp_path / "a.toml"
    cfg.write_text(CONFIG.format(port=broker.port, base=BASE))
    proc, systemd = start(cfg, run_dir)
    speech = state_dir / "speech"
    try:
        systemd.receive("READY", 60)
        discovery = json.loads(ha.wait(DISCOVERY))
        check_discovery(discovery)
        assert ha.wait(AVAILABILITY) == b"online"
        assert ha.wait(f"{BASE}/next_run/state").endswith(b"T08:00:00+00:00")
        upcoming = json.loads(ha.wait(f"{BASE}/next_run/attributes"))
        assert upcoming["skill"] == "clock"

        # A reload that enables a skill adds its button; one that disables it removes it.
        button = "test_pi1_run_fake-quote"
        for extra, name in (
            ('[skills.fake-quote]\nschedule = "0 18 * * *"\n', "Run fake-quote"),
            ("", None),
        ):
            mark = ha.mark()
            cfg.write_text(CONFIG.format(port=broker.port, base=BASE) + extra)
            assert assistant("reload").returncode == 0
            discovery = json.loads(ha.wait(DISCOVERY, since=mark, timeout=10))
            component = discovery["cmps"][button]
            if name is None:  # how Home Assistant is told to remove a component
                assert component == {"p": "button"}
            else:
                assert (component["p"], component["name"]) == ("button", name)

        # A button press runs the skill (as `trigger` does); the retained press did not.
        time.sleep(1.0)
        greeting = last_said(ha, lambda said: said["skill"] == "clock")
        assert clock_runs(state_dir) == 1 and greeting["text"].startswith("It is ")
        ha.publish(f"{BASE}/skill/clock/run", "PRESS")
        assert wait_for(lambda: clock_runs(state_dir) == 2, 30), "the press did not run the skill"
        clock = last_said(ha, lambda said: said["id"] != greeting["id"])
        assert clock["skill"] == "clock" and len(clock["id"]) == 6

        # A notify message is spoken, as text: a request written in it is not run.
        before = set(speech.glob("*.wav"))
        ha.publish(f"{BASE}/say", "The bins go out tonight.")
        assert float(soxi("-D", new_wav(speech, before))) > 0.5
        assert (
            last_said(ha, lambda said: said["text"] == "The bins go out tonight.")["skill"] == "say"
        )
        before = set(speech.glob("*.wav"))
        request = '{"command": "trigger", "skill": "clock"}'
        ha.publish(f"{BASE}/say", request)
        new_wav(speech, before)
        shown = last_said(ha, lambda said: said["text"] == request)
        assert clock_runs(state_dir) == 2

        # Repeat says the last utterance again; thumbs down rates the one Home Assistant shows.
        before = set(speech.glob("*.wav"))
        ha.publish(f"{BASE}/repeat", "PRESS")
        new_wav(speech, before)
        ha.publish(f"{BASE}/feedback/bad", "PRESS")
        assert wait_for(lambda: (state_dir / FILE).exists() and ratings(state_dir), 10)

        # The broker dies: the daemon goes on (watchdog, skills, say), then reconnects to a
        # new, empty broker and announces itself again.
        broker.kill()
        ha.close()
        pings = systemd.count("WATCHDOG")
        done = json.loads(assistant("trigger", "clock", "--wait", "--json").stdout)
        assert done["ok"] and done["text"].startswith("It is ")
        said = send_request(run_dir / "control.sock", {"command": "say", "text": "Still here."})
        assert said["ok"] and Path(said["wav"]).exists()
        time.sleep(1.0)
        assert systemd.count("WATCHDOG") - pings >= 3, "watchdog pings stopped with the broker"
        broker.start()
        ha = Listener(broker.port)
        assert json.loads(ha.wait(DISCOVERY, timeout=90)) == discovery
        assert ha.wait(AVAILABILITY) == b"online"
        assert ha.wait(f"{BASE}/last_said/state") == b"Still here."  # states are sent again

        # Home Assistant restarts: its birth message asks for discovery again.
        mark = ha.mark()
        ha.publish("homeassistant/status", "online")
        assert json.loads(ha.wait(DISCOVERY, since=mark)) == discovery

        code, log = stop_daemon(proc)
        assert code == 0
        assert wait_for(lambda: ha.last(AVAILABILITY) == b"offline", 10)
    finally:
        if proc.poll() is None:
            stop_daemon(proc)
        systemd.close()
        ha.close()
        broker.kill()
    assert "ignored a retained message on test/pi1/skill/clock/run" in log
    assert "said (wav): The bins go out tonight." in log
    assert log.count('said (wav): {"command": "trigger", "skill": "clock"}') == 2  # repeated
    assert "A stale retained message." not in log
    [rating] = ratings(state_dir)
    assert (rating["id"], rating["verdict"]) == (shown["id"], "bad")
    assert "MQTT: lost the broker" in log
    assert log.count("MQTT: connected to 127.0.0.1") == 2


def check_discovery(payload: dict[str, Any]) -> None:
    """The device and its entities, as Home Assistant reads them."""
    assert payload["dev"]["ids"] == ["test_pi1"] and payload["dev"]["name"] == "Pi assistant"
    assert payload["o"]["name"] == "pi-assistant"
    assert payload["availability_topic"] == AVAILABILITY
    cmps = payload["cmps"]
    assert sorted(cmps) == sorted(
        f"test_pi1_{key}"
        for key in (
            "run_clock",
            "repeat",
            "thumbs_up",
            "thumbs_down",
            "last_said",
            "next_run",
            "say",
        )
    )
    assert cmps["test_pi1_run_clock"]["command_topic"] == f"{BASE}/skill/clock/run"
    assert cmps["test_pi1_say"] == {
        "p": "notify",
        "name": "Say",
        "icon": "mdi:account-voice",
        "command_topic": f"{BASE}/say",
        "unique_id": "test_pi1_say",
    }
    assert cmps["test_pi1_last_said"]["state_topic"] == f"{BASE}/last_said/state"


def test_no_broker_at_start_then_a_crash(tmp_path: Path, state_dir: Path) -> None:
    """The daemon starts and works without its broker, logs in when it comes (the password
    from `password_env`), and a crash leaves "offline" behind (the will)."""
    run_dir = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    broker = Broker(tmp_path / "broker", free_port(), password="s3cret pass")
    cfg = tmp_path / "a.toml"
    login = f'username = "{USER}"\npassword_env = "TEST_MQTT_PASSWORD"\n'
    cfg.write_text(CONFIG.format(port=broker.port, base=BASE) + login)
    proc, systemd = start(cfg, run_dir, TEST_MQTT_PASSWORD="s3cret pass")
    ha: Listener | None = None
    try:
        systemd.receive("READY", 60)
        systemd.receive("WATCHDOG", 2)
        said = send_request(run_dir / "control.sock", {"command": "say", "text": "No broker."})
        assert said["ok"]
        broker.start()
        ha = Listener(broker.port, password="s3cret pass")
        assert json.loads(ha.wait(DISCOVERY, timeout=90))["cmps"]
        assert ha.wait(AVAILABILITY) == b"online"

        # A flood of notify messages: a few wait their turn, the rest are dropped.
        for n in range(40):
            ha.publish(f"{BASE}/say", f"Message {n}.")
        counts = [-1]
        while counts[-1] != (count := flood_said(run_dir)):  # until speech stops
            counts.append(count)
            time.sleep(1.5)
        assert MAX_PENDING <= count < 40, counts

        proc.kill()
        _out, log = proc.communicate(timeout=10)
        assert wait_for(lambda: ha is not None and ha.last(AVAILABILITY) == b"offline", 30)
        assert "MQTT: busy; dropped a say request" in log
    finally:
        if proc.poll() is None:
            stop_daemon(proc)
        systemd.close()
        if ha is not None:
            ha.close()
        if broker.proc is not None:
            broker.kill()
