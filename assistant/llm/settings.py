"""[llm]: which model answers and how."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.section import Section

# The engine `[llm]` itself is, for skills that name none.
DEFAULT_ENGINE = "default"
ENGINE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


class EngineSettings(Section):
    """One engine: local or remote, with its own model, threads, context, timeout, fallback."""

    backend: Literal["local", "remote"] = "local"
    model: str = DEFAULT_MODEL
    threads: int = Field(0, ge=0, le=256)
    context: int = Field(2048, ge=256, le=131072)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    mlock: bool = False
    idle_unload_s: float = Field(0.0, ge=0, le=86400)
    prompt_cache: bool = True
    url: str = Field("", validate_default=True)
    api_key_env: str = "ASSISTANT_LLM_API_KEY"
    timeout_s: float = Field(60.0, gt=0, le=3600)
    retries: int = Field(2, ge=0, le=10)
    local_model: str = DEFAULT_MODEL

    @field_validator("model")
    @classmethod
    def _model_exists(cls, value: str, info: ValidationInfo) -> str:
        # A remote model is a name on the server; only a local one must be a file here.
        if info.data.get("backend", "local") == "local":
            resolve_model(value)
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
        if not value and info.data.get("backend") == "remote":
            raise ValueError("backend 'remote' needs the server's URL")
        return value

    @field_validator("local_model")
    @classmethod
    def _local_exists(cls, value: str) -> str:
        if value:
            resolve_model(value)
        return value


class LLMSection(EngineSettings):
    """[llm]: the default engine, and named ones (`[llm.engines.<name>]`) that skills may pick."""

    engines: dict[str, EngineSettings] = Field(default_factory=dict)

    @field_validator("engines")
    @classmethod
    def _engine_names(cls, value: dict[str, EngineSettings]) -> dict[str, EngineSettings]:
        for name in value:
            if name == DEFAULT_ENGINE:
                raise ValueError(f"{DEFAULT_ENGINE!r} is [llm] itself; name the engine otherwise")
            if not ENGINE_NAME.fullmatch(name):
                raise ValueError(f"engine name {name!r}: use lower-case letters, digits, - and _")
        return value

    def engine(self, name: str) -> EngineSettings | None:
        """The settings of engine `name` ("default": [llm] itself), or None when undefined."""
        return self if name == DEFAULT_ENGINE else self.engines.get(name)

    def engine_names(self) -> list[str]:
        """Every engine's name, the default first."""
        return [DEFAULT_ENGINE, *sorted(self.engines)]
