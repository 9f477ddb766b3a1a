"""The retrieval area's errors, under the daemon's own hierarchy."""

from __future__ import annotations

from assistant.errors import AssistantError


class StoreError(AssistantError):
    """The store cannot be read or written (bad files, full disk, read-only state dir)."""


class EmbedderError(AssistantError):
    """The embedding model cannot be loaded or cannot embed."""


class EvalError(AssistantError):
    """An evaluation folder is missing files or holds malformed lines."""
