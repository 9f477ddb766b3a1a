"""What Home Assistant sees: the topics, the device discovery payload and the sensors' states.

Pure functions of the daemon's answers (`status`, `last`), so that they are tested without a
broker. MQTT text becomes a request in one place only, `request_for`: the topic chooses the
action from a fixed set, and a payload is only ever text to speak.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from assistant.config import is_skill_name
from assistant.service.control import Request

DEVICE_NAME = "Pi assistant"
# Home Assistant refuses a sensor state longer than this.
STATE_MAX = 255
# The "next run" sensor lists this many runs as attributes.
UPCOMING = 10
# Bigger notify payloads are dropped unread (the daemon's `say` takes at most 4000 characters).
MAX_PAYLOAD_BYTES = 16 * 1024
ONLINE, OFFLINE = "online", "offline"
# Home Assistant's MQTT sensor reads this payload as "unknown".
NONE = "None"


class Topics:
    """Every topic of one assistant, from `[mqtt] base_topic` and `discovery_prefix`."""

    def __init__(self, base: str, prefix: str) -> None:
        self.base = base
        # The device's id in Home Assistant (and its discovery topic's object id).
        self.device_id = base.replace("/", "_")
        self.discovery = f"{prefix}/device/{self.device_id}/config"
        # Home Assistant's birth and will: "online" asks for discovery again.
        self.ha_status = f"{prefix}/status"
        self.availability = f"{base}/availability"
        self.say = f"{base}/say"
        self.repeat = f"{base}/repeat"
        self.thumbs_up = f"{base}/feedback/good"
        self.thumbs_down = f"{base}/feedback/bad"
        self.last_state = f"{base}/last_said/state"
        self.last_attributes = f"{base}/last_said/attributes"
        self.next_state = f"{base}/next_run/state"
        self.next_attributes = f"{base}/next_run/attributes"

    def skill_run(self, skill: str) -> str:
        """The command topic of a skill's button."""
        return f"{self.base}/skill/{skill}/run"

    def subscriptions(self) -> list[str]:
        """The topic filters the assistant listens on."""
        return [
            self.skill_run("+"),
            self.repeat,
            f"{self.base}/feedback/+",
            self.say,
            self.ha_status,
        ]


def request_for(
    topics: Topics, topic: str, payload: bytes, skills: frozenset[str], last_id: str | None
) -> Request | None:
    """The daemon request a command message stands for; None for anything else.

    `last_id` is the utterance the "last said" sensor shows: thumbs rate what the user saw.
    """
    about = {"id": last_id} if last_id else {}
    if topic == topics.say:
        if len(payload) > MAX_PAYLOAD_BYTES:
            return None
        text = payload.decode("utf-8", errors="replace").strip()
        return {"command": "say", "text": text} if text else None
    if topic == topics.repeat:
        return {"command": "repeat"}
    if topic in (topics.thumbs_up, topics.thumbs_down):
        verdict = "good" if topic == topics.thumbs_up else "bad"
        return {"command": "feedback", "verdict": verdict, **about}
    for skill in skills:
        if topic == topics.skill_run(skill):
            return {"command": "trigger", "skill": skill, "wait": False}
    return None


def enabled_skills(status: dict[str, Any]) -> frozenset[str]:
    """The enabled skills, from a status answer (each one uses exactly one engine)."""
    engines = status.get("engines")
    names: set[str] = set()
    if isinstance(engines, dict):
        for entry in engines.values():
            if isinstance(entry, dict) and isinstance(entry.get("skills"), list):
                names.update(s for s in entry["skills"] if isinstance(s, str))
    # A name that could not be a topic level (a plugin's odd name) gets no button.
    return frozenset(n for n in names if is_skill_name(n))


def discovery_payload(
    topics: Topics, skills: frozenset[str], gone: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The device discovery payload: one device, its buttons, sensors and notify entity.

    `gone` are skills whose buttons were published before and are now removed: Home
    Assistant deletes a component whose config holds only its platform.
    """
    uid = topics.device_id
    components: dict[str, dict[str, Any]] = {}
    for skill in sorted(skills):
        components[f"{uid}_run_{skill}"] = _button(
            topics.skill_run(skill), f"Run {skill}", "mdi:play", f"{uid}_run_{skill}"
        )
    for skill in sorted(gone - skills):
        components[f"{uid}_run_{skill}"] = {"p": "button"}
    fixed = {
        "repeat": _button(topics.repeat, "Repeat", "mdi:repeat", f"{uid}_repeat"),
        "thumbs_up": _button(topics.thumbs_up, "Thumbs up", "mdi:thumb-up", f"{uid}_thumbs_up"),
        "thumbs_down": _button(
            topics.thumbs_down, "Thumbs down", "mdi:thumb-down", f"{uid}_thumbs_down"
        ),
        "last_said": {
            "p": "sensor",
            "name": "Last said",
            "icon": "mdi:message-text",
            "state_topic": topics.last_state,
            "json_attributes_topic": topics.last_attributes,
        },
        "next_run": {
            "p": "sensor",
            "name": "Next run",
            "device_class": "timestamp",
            "state_topic": topics.next_state,
            "json_attributes_topic": topics.next_attributes,
        },
        "say": {
            "p": "notify",
            "name": "Say",
            "icon": "mdi:account-voice",
            "command_topic": topics.say,
        },
    }
    for key, config in fixed.items():
        components[f"{uid}_{key}"] = {**config, "unique_id": f"{uid}_{key}"}
    return {
        "dev": {
            "ids": [uid],
            "name": DEVICE_NAME,
            "mf": "pi-assistant",
            "mdl": "pi-assistant",
            "sw": _version(),
        },
        "o": {"name": "pi-assistant", "sw": _version()},
        "cmps": components,
        "availability_topic": topics.availability,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "qos": 1,
    }


def _button(topic: str, name: str, icon: str, unique_id: str) -> dict[str, Any]:
    """A button component: a press publishes "PRESS" on `topic`."""
    return {
        "p": "button",
        "name": name,
        "icon": icon,
        "command_topic": topic,
        "unique_id": unique_id,
    }


def last_said(utterance: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The "last said" sensor: its state (the text, cut to fit) and its JSON attributes."""
    text = str(utterance.get("text", ""))
    state = text if len(text) <= STATE_MAX else text[: STATE_MAX - 1].rstrip() + "…"
    attributes = {
        "id": utterance.get("id", ""),
        "text": text,
        "skill": utterance.get("skill", ""),
        "sources": utterance.get("sources", []),
        "time": utterance.get("time", ""),
    }
    return state or NONE, attributes


def next_run(status: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The "next run" sensor: the time of the next scheduled run, the runs after it."""
    runs = [r for r in status.get("next_runs") or [] if isinstance(r, dict)]
    if not runs:
        return NONE, {"skill": None, "upcoming": []}
    first = runs[0]
    return str(first.get("time", NONE)), {"skill": first.get("skill"), "upcoming": runs[:UPCOMING]}


def _version() -> str:
    """This package's version, for the device card."""
    try:
        return version("pi-assistant")
    except PackageNotFoundError:
        return ""
