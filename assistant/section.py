"""The base of every config section: unknown keys are errors, not silently ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config table whose unknown keys are rejected."""

    # inf and nan are never a sensible duration or size: "inf" seconds raised in a timer thread.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
