"""The base of every config section: unknown keys are errors, not silently ignored."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Section(BaseModel):
    """A config table whose unknown keys are rejected."""

    # inf and nan are never a sensible duration or size: "inf" seconds raised in a timer thread.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def pick(self, kind: type[T], **extra: Any) -> T:
        """A `kind` dataclass made of this section's values of the same names, plus `extra`."""
        names = {f.name for f in dataclasses.fields(kind)} - extra.keys()  # type: ignore[arg-type]
        return kind(**{name: getattr(self, name) for name in names}, **extra)
