"""[mqtt]: the broker the assistant meets Home Assistant on, and the topics it uses."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from assistant.section import Section

# Topic levels of letters, digits, _ and -: no wildcards (+ #), no empty levels, no $ (the
# broker's own topics), and each level usable as a Home Assistant discovery id.
TOPIC = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class MqttSection(Section):
    """[mqtt]: off by default; when on, the daemon appears in Home Assistant as one device."""

    enabled: bool = False
    host: str = Field("localhost", min_length=1, max_length=253)
    port: int = Field(1883, ge=1, le=65535)
    username: str = Field("", max_length=256)
    # The password is read from this environment variable (never from the config file).
    password_env: str = "ASSISTANT_MQTT_PASSWORD"
    # Connect with TLS, checking the broker's certificate against the system's CAs.
    tls: bool = False
    base_topic: str = Field("assistant", max_length=100)
    discovery_prefix: str = Field("homeassistant", max_length=100)

    @field_validator("base_topic", "discovery_prefix")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not TOPIC.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a topic of letters, digits, _ and -, "
                "levels separated by single slashes (no wildcards, no leading or trailing /)"
            )
        return value

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if value and not ENV_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if any(c.isspace() or c == "/" for c in value):
            raise ValueError(f"{value!r} is not a host name or IP address")
        if value.count(":") == 1:  # host:port; an IPv6 address has two or more
            raise ValueError(f"{value!r}: give the port in `port`, not in the host")
        return value
