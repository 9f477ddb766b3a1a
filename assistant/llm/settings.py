"""[llm]: which model answers and how."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.section import Section


class LLMSection(Section):
    """[llm]: which model answers and how."""

    backend: Literal["local"] = "local"
    model: str = DEFAULT_MODEL
    threads: int = Field(0, ge=0)
    context: int = Field(2048, ge=256, le=131072)
    seed: int = Field(0, ge=0)

    @field_validator("model")
    @classmethod
    def _model_exists(cls, value: str) -> str:
        resolve_model(value)
        return value
