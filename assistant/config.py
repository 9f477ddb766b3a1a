"""TOML configuration -> typed models; every error names the key and the problem."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from assistant.clock import load_timezone
from assistant.cron import check_cron
from assistant.errors import ConfigError
from assistant.home.settings import MqttSection
from assistant.llm.settings import DEFAULT_ENGINE, LLMSection
from assistant.news.settings import NewsSection
from assistant.retrieval.settings import RetrievalSection
from assistant.section import Section
from assistant.service.settings import ServiceSection
from assistant.speech.settings import SpeechSection
from assistant.web.settings import WebSection

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "assistant.toml"

MAX_CONFIG_BYTES = 1024 * 1024
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# What a skill's name may look like; a greeting that does not is text to speak.
SKILL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
Cron = Annotated[str, AfterValidator(check_cron)]


class AssistantSection(Section):
    """[assistant]: the daemon as a whole."""

    timezone: str = ""
    greeting: str = "clock"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            load_timezone(value)
        except ValueError as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value


class SkillSettings(Section):
    """Keys every [skills.<name>] section may hold, beside the skill's own."""

    enabled: bool = True
    schedule: Cron | None = None
    timeout_s: float = Field(120.0, gt=0, le=3600)
    # Past a day a late run is no longer "late" but wrong; a huge grace also stalls APScheduler.
    misfire_grace_s: int = Field(300, ge=1, le=86400)
    # A name from [llm.engines]; "default" is [llm] itself.
    engine: str = DEFAULT_ENGINE
    # Prepare scheduled runs ahead and speak at the second (None: as the skill says).
    precompute: bool | None = None


COMMON_SKILL_KEYS = frozenset(SkillSettings.model_fields)


def split_skill_section(table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A [skills.<name>] table as (the keys every skill section may hold, the skill's own)."""
    common = {k: v for k, v in table.items() if k in COMMON_SKILL_KEYS}
    return common, {k: v for k, v in table.items() if k not in COMMON_SKILL_KEYS}


class Config(Section):
    """The whole configuration file."""

    assistant: AssistantSection = AssistantSection()
    llm: LLMSection = LLMSection()
    speech: SpeechSection = SpeechSection()
    news: NewsSection = NewsSection()
    retrieval: RetrievalSection = RetrievalSection()
    service: ServiceSection = ServiceSection()
    mqtt: MqttSection = MqttSection()
    web: WebSection = WebSection()
    skills: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("skills")
    @classmethod
    def _sections_are_tables(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, section in value.items():
            if not isinstance(section, dict):
                raise ValueError(f"[skills.{name}] must be a table")
        return value


def _key_part(part: object) -> str:
    """A key as written in TOML: bare when it can be, quoted otherwise (one line, always)."""
    text = str(part)
    return text if BARE_KEY.fullmatch(text) else json.dumps(text)


def format_errors(error: ValidationError, prefix: str = "") -> list[str]:
    """Turn a pydantic error into one line per problem, each naming its dotted key."""
    lines = []
    head = prefix.split(".") if prefix else []
    for item in error.errors():
        key = ".".join(_key_part(part) for part in [*head, *item["loc"]])
        if item["type"] == "extra_forbidden":
            problem = "unknown key"
        else:
            problem = item["msg"].removeprefix("Value error, ")
            if item["type"] not in {"value_error", "assertion_error"} and "input" in item:
                problem += f" (got {item['input']!r})"
        lines.append(f"{key}: {problem}" if key else problem)
    return lines


def is_skill_name(text: str) -> bool:
    """True when `text` has the form of a skill name (lower-case letters, digits, - and _)."""
    return SKILL_NAME.fullmatch(text) is not None


def config_path(explicit: str | None) -> Path | None:
    """Return the config file to read: --config, then $ASSISTANT_CONFIG, then the default."""
    chosen = explicit or os.environ.get("ASSISTANT_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    return REPO_CONFIG if REPO_CONFIG.is_file() else None


def read_config_text(path: Path) -> str:
    """The text of a config file: a regular file of at most MAX_CONFIG_BYTES; raise ConfigError.

    A FIFO or device would block the read (and a reload would block SIGTERM): the open does
    not wait, and anything but a regular file is refused before a byte is read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError([f"{path}: not a regular file"])
        if st.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(
                [f"{path}: too large ({st.st_size:,} bytes; at most {MAX_CONFIG_BYTES:,})"]
            )
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{path}: too large (at most {MAX_CONFIG_BYTES:,} bytes)"])
    return data.decode("utf-8")


def read_toml(path: Path | None) -> dict[str, Any]:
    """The raw tables of a config file (None: none); raise ConfigError naming the file."""
    if path is None:
        return {}
    try:
        return tomllib.loads(read_config_text(path))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None


def validate_config(raw: dict[str, Any]) -> tuple[Config, list[str]]:
    """The config and its problems (unprefixed). When the file is bad, the returned config
    holds only its `[skills.*]` sections, so that those are still checked in the same pass."""
    try:
        return Config.model_validate(raw), []
    except ValidationError as exc:
        problems = format_errors(exc)
    skills = raw.get("skills")
    tables = (
        {k: v for k, v in skills.items() if isinstance(v, dict)} if isinstance(skills, dict) else {}
    )
    return Config(skills=tables), problems


def load_config(path: Path | None) -> Config:
    """Read and validate a config file (None: built-in defaults); raise ConfigError."""
    config, problems = validate_config(read_toml(path))
    if problems:
        where = f"{path}: " if path else ""
        raise ConfigError([where + line for line in problems])
    return config
