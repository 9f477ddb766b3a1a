"""The `assistant` subcommands of this area."""

from __future__ import annotations

from assistant.commands import Commands


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
