"""Home Assistant's view: topics, the discovery payload, sensor states, and MQTT text -> request."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigError
from assistant.home import discovery as ha
from tests.conftest import write_config

TOPICS = ha.Topics("home/pi1", "homeassistant")
SKILLS = frozenset({"clock", "briefing"})


def test_topics_and_device_id() -> None:
    assert TOPICS.device_id == "home_pi1"
    assert TOPICS.discovery == "homeassistant/device/home_pi1/config"
    assert TOPICS.ha_status == "homeassistant/status"
    assert TOPICS.skill_run("clock") == "home/pi1/skill/clock/run"
    assert TOPICS.subscriptions() == [
        "home/pi1/skill/+/run",
        "home/pi1/repeat",
        "home/pi1/feedback/+",
        "home/pi1/say",
        "homeassistant/status",
    ]


def test_the_discovery_payload() -> None:
    payload = ha.discovery_payload(TOPICS, SKILLS)
    assert payload["dev"]["ids"] == ["home_pi1"] and payload["o"]["name"] == "pi-assistant"
    assert payload["availability_topic"] == "home/pi1/availability"
    cmps = payload["cmps"]
    assert cmps["home_pi1_run_clock"] == {
        "p": "button",
        "name": "Run clock",
        "icon": "mdi:play",
        "command_topic": "home/pi1/skill/clock/run",
        "unique_id": "home_pi1_run_clock",
    }
    assert {k: v["p"] for k, v in cmps.items()} == {
        "home_pi1_run_briefing": "button",
        "home_pi1_run_clock": "button",
        "home_pi1_repeat": "button",
        "home_pi1_thumbs_up": "button",
        "home_pi1_thumbs_down": "button",
        "home_pi1_last_said": "sensor",
        "home_pi1_next_run": "sensor",
        "home_pi1_say": "notify",
    }
    assert cmps["home_pi1_thumbs_down"]["command_topic"] == "home/pi1/feedback/bad"
    assert cmps["home_pi1_next_run"]["device_class"] == "timestamp"
    assert cmps["home_pi1_last_said"]["json_attributes_topic"] == "home/pi1/last_said/attributes"
    # Every component has its own unique id.
    assert all(v["unique_id"] == k for k, v in cmps.items())


def test_a_disabled_skill_loses_its_button() -> None:
    cmps = ha.discovery_payload(TOPICS, frozenset({"clock"}), gone=SKILLS)["cmps"]
    assert cmps["home_pi1_run_briefing"] == {"p": "button"}  # HA removes it
    assert cmps["home_pi1_run_clock"]["name"] == "Run clock"


def test_enabled_skills_come_from_the_engines_in_status() -> None:
    status = {
        "engines": {
            "default": {"skills": ["clock", "briefing"]},
            "big": {"skills": ["hn-troll", "odd name/+"]},
        }
    }
    assert ha.enabled_skills(status) == {"clock", "briefing", "hn-troll"}
    assert ha.enabled_skills({"engines": "junk"}) == frozenset()


def test_last_said_cuts_the_state_and_keeps_the_text() -> None:
    long = "word " * 100
    utterance = {"id": "u1", "skill": "clock", "text": long, "time": "T", "sources": [{"t": 1}]}
    state, attributes = ha.last_said(utterance)
    assert len(state) == ha.STATE_MAX and state.endswith("…")
    assert attributes == {
        "id": "u1",
        "text": long,
        "skill": "clock",
        "sources": [{"t": 1}],
        "time": "T",
    }
    assert ha.last_said({"text": "It is 8."})[0] == "It is 8."


def test_next_run() -> None:
    runs = [{"skill": "clock", "time": "2026-12-01T08:00:00+00:00"}] * 12
    state, attributes = ha.next_run({"next_runs": runs})
    assert state == "2026-12-01T08:00:00+00:00"
    assert attributes["skill"] == "clock" and len(attributes["upcoming"]) == 10
    assert ha.next_run({"next_runs": []}) == ("None", {"skill": None, "upcoming": []})


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        ("home/pi1/skill/clock/run", b"PRESS", {"command": "trigger", "skill": "clock"}),
        ("home/pi1/repeat", b"PRESS", {"command": "repeat"}),
        ("home/pi1/feedback/good", b"PRESS", {"command": "feedback", "verdict": "good"}),
        ("home/pi1/feedback/bad", b"x", {"command": "feedback", "verdict": "bad"}),
        ("home/pi1/say", b"  Bins tonight. ", {"command": "say", "text": "Bins tonight."}),
        # Text is only ever spoken: a request written as text stays text.
        (
            "home/pi1/say",
            b'{"command": "trigger", "skill": "clock"}',
            {"command": "say", "text": '{"command": "trigger", "skill": "clock"}'},
        ),
        ("home/pi1/say", b"\xff caf\xc3\xa9", {"command": "say", "text": "\ufffd café"}),
        ("home/pi1/say", b"   ", None),
        ("home/pi1/say", b"a" * (ha.MAX_PAYLOAD_BYTES + 1), None),
        ("home/pi1/skill/nope/run", b"PRESS", None),  # not an enabled skill
        ("home/pi1/skill/clock/run/x", b"PRESS", None),
        ("home/pi1/feedback/meh", b"PRESS", None),
        ("elsewhere/say", b"hi", None),
    ],
)
def test_request_for(topic: str, payload: bytes, expected: dict[str, str] | None) -> None:
    request = ha.request_for(TOPICS, topic, payload, SKILLS, None)
    if expected is not None and expected["command"] == "trigger":
        expected = {**expected, "wait": False}
    assert request == expected


def test_thumbs_rate_the_utterance_home_assistant_shows() -> None:
    request = ha.request_for(TOPICS, TOPICS.thumbs_up, b"PRESS", SKILLS, "u7")
    assert request == {"command": "feedback", "verdict": "good", "id": "u7"}


def test_mqtt_is_off_by_default_and_checked(tmp_path: Path) -> None:
    assert load_config(None).mqtt.enabled is False
    bad = """[mqtt]
base_topic = "home/#"
discovery_prefix = "/ha"
port = 0
host = "broker:1883"
password_env = "MY PASSWORD"
"""
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path / "a.toml", bad))
    keys = sorted(line.split(": ")[1] for line in info.value.problems)
    assert keys == [
        "mqtt.base_topic",
        "mqtt.discovery_prefix",
        "mqtt.host",
        "mqtt.password_env",
        "mqtt.port",
    ]
    good = '[mqtt]\nenabled = true\nhost = "::1"\nbase_topic = "home/pi-1"\n'
    assert load_config(write_config(tmp_path / "b.toml", good)).mqtt.base_topic == "home/pi-1"
