"""[llm]: which model answers and how."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.section import Section


class LLMSection(Section):
    """[llm]: which model answers and how."""

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
