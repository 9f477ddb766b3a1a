"""The MQTT bridge: Home Assistant's buttons and notify messages become daemon requests, and the
daemon's answers become retained sensor states. A thin client of the request handler.

Nothing here runs on the daemon's own threads (its loop, the scheduler, a skill's run): paho's
network thread connects (with backoff) and receives, one worker thread carries commands to the
handler, one poller thread asks `last` and `status`. Publishing only queues bytes, so a broker
that is down or flapping never holds up a skill, a `say` or the watchdog.
"""

from __future__ import annotations

import json
import logging
import queue
import ssl
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from assistant.home.discovery import (
    OFFLINE,
    ONLINE,
    Topics,
    discovery_payload,
    enabled_skills,
    last_said,
    next_run,
    request_for,
)
from assistant.home.settings import MqttSection
from assistant.service.control import Handler, Request, Response
from assistant.service.errors import ControlError

log = logging.getLogger(__name__)
# Asked when the daemon says something changed (a run ended, a text was said, a reload), and
# this often besides: `status` probes remote engines, so not idly.
POLL_S = 60.0
# Commands waiting for the worker (each `say` takes seconds); a flood beyond this is dropped.
MAX_PENDING = 8
# Messages paho keeps while the broker is away (states are re-sent on connect anyway).
MAX_QUEUED = 64
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 60
KEEPALIVE_S = 30
# At stop: how long the "offline" message and paho's thread may take (stop has 5 s in all).
CLOSE_WAIT_S = 0.5


class MqttBridge:
    """One connection to the broker, announcing one device to Home Assistant."""

    def __init__(self, settings: MqttSection, handle: Handler, password: str = "") -> None:
        self.settings = settings
        self.handle = handle
        self.topics = Topics(settings.base_topic, settings.discovery_prefix)
        self._password = password
        self._client: mqtt.Client | None = None
        self._pending: queue.Queue[Request] = queue.Queue(MAX_PENDING)
        self._stop = threading.Event()
        self._news = threading.Event()
        self._lock = threading.Lock()  # guards the fields below; never held while publishing
        self._skills: frozenset[str] | None = None  # None until `status` has answered
        self._ever: frozenset[str] = frozenset()  # buttons ever announced (to remove)
        self._states: dict[str, str] = {}  # retained state topic -> its payload
        self._last_id: str | None = None
        self._was_connected = False
        self._refused: str | None = None  # why the broker last refused us (logged once)

    def start(self) -> None:
        """Start the poller and the worker, then connect in paho's thread (retrying)."""
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"pi-assistant-{self.topics.device_id}",
            protocol=mqtt.MQTTv311,
        )
        if self.settings.username:
            client.username_pw_set(self.settings.username, self._password or None)
        if self.settings.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(self.topics.availability, OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.max_queued_messages_set(MAX_QUEUED)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        self._client = client
        for target, name in ((self._work, "mqtt-commands"), (self._poll, "mqtt-states")):
            threading.Thread(target=target, name=name, daemon=True).start()
        client.connect_async(self.settings.host, self.settings.port, keepalive=KEEPALIVE_S)
        client.loop_start()

    def close(self) -> None:
        """Say "offline", disconnect and stop the threads, all within about a second."""
        self._stop.set()
        self._news.set()
        client, self._client = self._client, None
        if client is None:
            return
        if client.is_connected() and self._say_offline(client):
            client.disconnect()
        # Else no DISCONNECT, which would make the broker drop the will: the connection just
        # ends with the process, and the broker publishes the will ("offline") for us.
        # loop_stop() joins paho's thread without a timeout; a connect in progress can take
        # its own 5 s timeout, so the join happens aside and stop does not wait for it.
        stopper = threading.Thread(target=client.loop_stop, name="mqtt-stop", daemon=True)
        stopper.start()
        stopper.join(CLOSE_WAIT_S)

    def _say_offline(self, client: mqtt.Client) -> bool:
        """Publish "offline" (retained); True once the broker has it."""
        info = client.publish(self.topics.availability, OFFLINE, qos=1, retain=True)
        try:
            info.wait_for_publish(CLOSE_WAIT_S)
        except (RuntimeError, ValueError):  # the queue was full, or the connection went
            return False
        return info.is_published()

    # paho's thread

    def _on_connect(
        self,
        client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        """Subscribe to the command topics, then announce the device and its states."""
        if reason.is_failure:
            if str(reason) != self._refused:  # paho retries with backoff: say it once
                log.error(
                    "MQTT: %s:%d refused us: %s", self.settings.host, self.settings.port, reason
                )
            self._refused = str(reason)
            return
        self._refused = None
        log.info("MQTT: connected to %s:%d", self.settings.host, self.settings.port)
        self._was_connected = True
        client.subscribe([(f, 1) for f in self.topics.subscriptions()])
        self._announce()

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: Any,
        _flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        """Log the loss once; paho reconnects with backoff."""
        if self._was_connected and not self._stop.is_set():
            log.warning("MQTT: lost the broker (%s); reconnecting", reason)
        self._was_connected = False

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        """A failed attempt: logged quietly, paho tries again later (1 s, 2 s, ... 60 s)."""
        log.debug("MQTT: cannot reach %s:%d yet", self.settings.host, self.settings.port)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        """Home Assistant's birth message, or a command: queued for the worker, never run here."""
        if message.topic == self.topics.ha_status:
            if message.payload == ONLINE.encode():
                self._announce()
            return
        if message.retain:  # a retained command would run again at every reconnect
            log.warning("MQTT: ignored a retained message on %s", message.topic)
            return
        with self._lock:
            skills, last_id = self._skills or frozenset(), self._last_id
        request = request_for(self.topics, message.topic, message.payload, skills, last_id)
        if request is None:
            log.warning("MQTT: ignored a message on %s", message.topic)
            return
        try:
            self._pending.put_nowait(request)
        except queue.Full:
            log.warning("MQTT: busy; dropped a %s request", request["command"])

    def _announce(self) -> None:
        """Discovery (when the skills are known), "online", then every state, all retained."""
        with self._lock:
            skills, states = self._skills, dict(self._states)
        if skills is not None:
            self._publish_discovery(skills)
        self._publish(self.topics.availability, ONLINE)
        for topic, payload in states.items():
            self._publish(topic, payload)

    # the worker and the poller

    def _work(self) -> None:
        """Carry queued commands to the daemon, one at a time."""
        while not self._stop.is_set():
            try:
                request = self._pending.get(timeout=0.5)
            except queue.Empty:
                continue
            answer = self._call(request)
            if answer is not None and not answer.get("ok"):
                log.warning("MQTT: %s failed: %s", request["command"], answer.get("error"))

    def changed(self) -> None:
        """The daemon's hook: a run ended or the config was reloaded; returns at once."""
        self._news.set()

    def _poll(self) -> None:
        """Follow the daemon: ask `last` and `status` after news, and every POLL_S."""
        while not self._stop.is_set():
            self._refresh_last()
            self._refresh_status()
            self._news.wait(POLL_S)
            self._news.clear()

    def _refresh_last(self) -> None:
        """Publish the newest utterance when it is new."""
        answer = self._call({"command": "last", "n": 1})
        utterances = answer.get("utterances") if answer and answer.get("ok") else None
        if not utterances or not isinstance(utterances[0], dict):
            return
        newest = utterances[0]
        with self._lock:
            if newest.get("id") == self._last_id:
                return
            self._last_id = str(newest.get("id", ""))
        state, attributes = last_said(newest)
        self._set(self.topics.last_state, state)
        self._set(self.topics.last_attributes, json.dumps(attributes, ensure_ascii=False))

    def _refresh_status(self) -> None:
        """Publish the next run, and the discovery again when the enabled skills changed."""
        answer = self._call({"command": "status"})
        if not answer or not answer.get("ok"):
            return
        skills = enabled_skills(answer)
        with self._lock:
            changed, self._skills = skills != self._skills, skills
        if changed:
            self._publish_discovery(skills)
        state, attributes = next_run(answer)
        self._set(self.topics.next_state, state)
        self._set(self.topics.next_attributes, json.dumps(attributes))

    def _call(self, request: Request) -> Response | None:
        """The handler's answer; its refusal as an error answer; None when it broke."""
        try:
            return self.handle(request)
        except ControlError as exc:
            return {"ok": False, "error": str(exc)}
        except Exception:  # a broken request never stops the bridge
            log.exception("MQTT: %s failed", request["command"])
            return None

    # publishing (non-blocking: paho queues, its thread sends)

    def _publish_discovery(self, skills: frozenset[str]) -> None:
        """The device's discovery payload, removing buttons of skills no longer enabled."""
        with self._lock:
            gone, self._ever = self._ever - skills, self._ever | skills
        payload = discovery_payload(self.topics, skills, gone)
        self._publish(self.topics.discovery, json.dumps(payload))

    def _set(self, topic: str, payload: str) -> None:
        """Remember a state and publish it when it changed (all are sent again on connect)."""
        with self._lock:
            if self._states.get(topic) == payload:
                return
            self._states[topic] = payload
        self._publish(topic, payload)

    def _publish(self, topic: str, payload: str) -> None:
        """Queue a retained message when connected; otherwise the next connect sends it."""
        client = self._client
        if client is not None and client.is_connected():
            client.publish(topic, payload, qos=1, retain=True)


def start_bridge(settings: MqttSection, handle: Handler, password: str = "") -> MqttBridge | None:
    """A started bridge when `[mqtt] enabled`; None when it is off or cannot be set up."""
    if not settings.enabled:
        return None
    bridge = MqttBridge(settings, handle, password)
    try:
        bridge.start()
    except (OSError, ValueError, ssl.SSLError) as exc:  # TLS set-up; connecting is paho's
        log.error("MQTT: not started: %s", exc)
        bridge.close()
        return None
    return bridge
